import Foundation

/// Finds the model directory a command should use: `--model`, else `$OMNIBARK_MODEL`, else the
/// default download location of `bark-small`.
public enum ModelResolver {
    /// The model name looked for when nothing is given.
    public static let defaultModelName = "bark-small"

    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let candidates: [(String, URL)]
        if let explicit {
            candidates = [("--model", URL(fileURLWithPath: (explicit as NSString).expandingTildeInPath))]
        } else if let fromEnvironment = environment["OMNIBARK_MODEL"], !fromEnvironment.isEmpty {
            candidates = [("$OMNIBARK_MODEL", URL(fileURLWithPath: (fromEnvironment as NSString).expandingTildeInPath))]
        } else {
            candidates = [("default location", ModelLocations.defaultDirectory(for: defaultModelName, environment: environment))]
        }
        for (_, url) in candidates where FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            return url
        }
        throw ModelResolutionError.notFound(tried: candidates.map { "\($0.1.path) (\($0.0))" })
    }
}

public enum ModelResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(tried: [String])

    public var description: String {
        switch self {
        case let .notFound(tried):
            return """
            no Bark model found at \(tried.joined(separator: ", ")).
            Download one with:        omnibark models pull bark-small
            or make a random-weight demo model (noise, no download): omnibark models create-demo
            then pass --model DIR or set OMNIBARK_MODEL=DIR.
            """
        }
    }
}
