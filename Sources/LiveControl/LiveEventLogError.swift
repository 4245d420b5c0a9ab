import Foundation

/// Why the event log could not be opened or written.
public enum LiveEventLogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be created or truncated; `reason` is the system's ("No such file or directory").
    case cannotCreate(path: String, reason: String)
    /// A line could not be written; `reason` is the system's ("No space left on device").
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotCreate(path, reason): return "cannot create the event log \(path): \(reason)"
        case let .writeFailed(path, reason): return "cannot write the event log \(path): \(reason) (further lines are not written)"
        }
    }
}

extension LiveEventLogError: LocalizedError {
    public var errorDescription: String? { description }
}
