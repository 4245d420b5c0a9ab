import Foundation

/// The live benchmark's event log could not be read back.
public enum LiveEventLogError: Error, Equatable, CustomStringConvertible {
    /// `file` could not be read as UTF-8 text; `reason` is the system's ("No such file or directory").
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): "cannot read the event log \(file): \(reason)"
        }
    }
}
