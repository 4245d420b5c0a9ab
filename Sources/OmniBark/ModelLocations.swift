import Foundation

/// Where OmniBark keeps downloaded models.
///
/// `$OMNIBARK_HOME/models/<name>` when `OMNIBARK_HOME` is set, else `~/.cache/omnibark/models/<name>`.
public enum ModelLocations {
    /// The directory holding one directory per model.
    public static var modelsRoot: URL {
        modelsRoot(environment: ProcessInfo.processInfo.environment)
    }

    /// The default directory for the model called `name` (e.g. `bark-small`).
    public static func defaultDirectory(for name: String) -> URL {
        defaultDirectory(for: name, environment: ProcessInfo.processInfo.environment)
    }

    /// `modelsRoot` as it follows from the given environment.
    public static func modelsRoot(environment: [String: String]) -> URL {
        if let home = environment["OMNIBARK_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: (home as NSString).expandingTildeInPath, isDirectory: true)
                .appendingPathComponent("models", isDirectory: true)
        }
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: userHome, isDirectory: true)
            .appendingPathComponent(".cache", isDirectory: true)
            .appendingPathComponent("omnibark", isDirectory: true)
            .appendingPathComponent("models", isDirectory: true)
    }

    /// `defaultDirectory(for:)` as it follows from the given environment.
    public static func defaultDirectory(for name: String, environment: [String: String]) -> URL {
        modelsRoot(environment: environment).appendingPathComponent(name, isDirectory: true)
    }
}
