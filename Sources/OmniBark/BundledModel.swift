import Foundation

/// OmniBark-tiny, the small model that ships inside the repository (`models/omnibark-tiny`, trained
/// by `training/` on espeak-ng speech): what a command uses when no model is given, none is named
/// by `$OMNIBARK_MODEL` and bark-small has not been pulled — so a fresh clone runs a trained model
/// end to end without downloading anything.
public enum BundledModel {
    /// The directory name, also the model's name in notices.
    public static let name = "omnibark-tiny"
    /// Where the model lies inside the repository.
    public static let relativePath = "models/omnibark-tiny"

    /// This file's path when it was compiled: `<repo>/Sources/OmniBark/BundledModel.swift`.
    private static let compiledFrom = #filePath

    /// The bundled model's directory, or nil when it cannot be found. Looks beside and above the
    /// running `executable` first (a binary in `<repo>/.build/<configuration>/` finds `<repo>/models/`),
    /// then in the repository this file was compiled from (a binary copied elsewhere).
    public static func directory(executable: URL? = Bundle.main.executableURL) -> URL? {
        var starts: [URL] = []
        if let executable { starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        // Sources/OmniBark/BundledModel.swift → the repository root.
        starts.append(URL(fileURLWithPath: compiledFrom).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())
        for start in starts {
            var candidate = start
            for _ in 0..<6 {
                let model = candidate.appendingPathComponent(relativePath, isDirectory: true)
                if FileManager.default.fileExists(atPath: model.appendingPathComponent("config.json").path) { return model }
                let parent = candidate.deletingLastPathComponent()
                if parent.path == candidate.path { break }
                candidate = parent
            }
        }
        return nil
    }

    /// What a command prints once when it falls back to the bundled model at `directory`.
    public static func notice(directory: URL) -> String {
        "note: no --model, no $OMNIBARK_MODEL and no pulled bark-small: using the bundled OmniBark-tiny (\(directory.path)), "
            + "a small model trained on espeak-ng speech with a closed vocabulary of about 190 English words "
            + "(its README lists them and says how intelligible it is). For Bark itself: omnibark models pull bark-small"
    }
}
