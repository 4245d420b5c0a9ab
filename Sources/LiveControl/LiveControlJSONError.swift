import Foundation

/// Why a live-control JSON body (`POST /control`, a stdin or file line) was refused. The whole
/// body is refused: no event of it is queued.
public enum LiveControlJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON at all; `reason` says where parsing stopped when the parser tells.
    case malformedJSON(reason: String)
    /// More than `limit` events in one body.
    case tooManyEvents(count: Int, limit: Int)
    /// `index`: the event's position in the body (nil for the top level); `field`: the JSON key.
    case invalidField(index: Int?, field: String, reason: String)

    public var description: String {
        switch self {
        case let .malformedJSON(reason): return "control events are not valid JSON: \(reason)"
        case let .tooManyEvents(count, limit): return "too many control events in one body: \(count) (at most \(limit))"
        case let .invalidField(index, field, reason):
            let at = index.map { "event \($0)" } ?? "top level"
            return "\(at), field '\(field)': \(reason)"
        }
    }
}

extension LiveControlJSONError: LocalizedError {
    public var errorDescription: String? { description }
}
