import Foundation

/// Why `DemoModel.create` could not write the demo model. Each case names the path and the reason
/// in one line, worded for the person who typed `--to`.
public enum DemoModelError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The directory already holds files (`entries`, a few of its names) and overwriting was not asked for.
    case directoryNotEmpty(path: String, entries: [String])
    /// The path exists and is not a directory.
    case notADirectory(path: String)
    /// The directory (or a parent) could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// A file of the model could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .directoryNotEmpty(path, entries):
            let shown = entries.prefix(4).joined(separator: ", ") + (entries.count > 4 ? ", …" : "")
            return "\(path) is not empty (it holds \(shown)); pass --force to write the demo model over those files, "
                + "or choose an empty or new directory"
        case let .notADirectory(path):
            return "cannot create directory \(path): it exists and is not a directory"
        case let .cannotCreateDirectory(path, reason):
            return "cannot create directory \(path): \(reason)"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
