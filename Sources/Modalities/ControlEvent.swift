import Checkpoints
import Foundation

/// A timed control event (a beat marker, a phoneme hint, an SFX trigger or a style change) that
/// steers generation through the control adapter.
///
/// Time is given in seconds or in frames; frames are EnCodec frames at `frameRate` Hz (75 for
/// Bark's 24 kHz codec) unless a caller converts with another rate.
///
/// JSON events file (`omnibark speak --control events.json`): either an array of events or an
/// object `{"events": [...]}`; each event is an object with
/// - `"kind"`: `"beat"`/`"beatMarker"`, `"phoneme"`/`"phonemeHint"`, `"sfx"`/`"sfxTrigger"`, `"style"`;
/// - exactly one of `"time"` (seconds, a number ≥ 0) or `"frame"` (an integer ≥ 0);
/// - optional `"payload"`: a string (phoneme, SFX name, style word) or a number.
public struct ControlEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        case beatMarker, phonemeHint, sfxTrigger, style

        /// Row block of this kind in the control embedding table.
        public var index: Int {
            switch self {
            case .beatMarker: return 0
            case .phonemeHint: return 1
            case .sfxTrigger: return 2
            case .style: return 3
            }
        }

        /// Accepts the case names and the short forms `beat`, `phoneme`, `sfx`.
        public init?(name: String) {
            switch name {
            case "beat", "beatMarker", "beat_marker": self = .beatMarker
            case "phoneme", "phonemeHint", "phoneme_hint": self = .phonemeHint
            case "sfx", "sfxTrigger", "sfx_trigger": self = .sfxTrigger
            case "style": self = .style
            default: return nil
            }
        }
    }

    public enum Time: Sendable, Equatable, Codable {
        case seconds(Double)
        case frames(Int)
    }

    public enum Payload: Sendable, Equatable, Codable {
        case none
        case string(String)
        case number(Double)
    }

    /// EnCodec frames per second used for `.frames` times (Bark's codec: 75).
    public static let frameRate: Double = 75

    public var time: Time
    public var kind: Kind
    public var payload: Payload

    public init(time: Time, kind: Kind, payload: Payload = .none) {
        self.time = time
        self.kind = kind
        self.payload = payload
    }

    /// The event time in seconds (`.frames` divided by `frameRate`).
    public func seconds(frameRate: Double = ControlEvent.frameRate) -> Double {
        switch time {
        case let .seconds(s): return s
        case let .frames(f): return Double(f) / frameRate
        }
    }

    /// Loads and validates a JSON events file (see the type's documentation), sorted by time
    /// (stable for equal times). Throws `ControlEventError` naming the file, event index and field.
    public static func load(contentsOf url: URL) throws -> [ControlEvent] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ControlEventError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
        return try parse(data, file: url.path)
    }

    /// Parses the JSON of an events file; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> [ControlEvent] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw ControlEventError.malformedJSON(file: file, reason: DecodingErrorText.syntax(error))
        }
        let list: [Any]
        if let array = root as? [Any] {
            list = array
        } else if let object = root as? [String: Any] {
            guard let events = object["events"] else {
                throw ControlEventError.invalidField(file: file, index: nil, field: "events", reason: "missing: expected an array of events")
            }
            guard let array = events as? [Any] else {
                throw ControlEventError.invalidField(file: file, index: nil, field: "events", reason: "must be an array of events")
            }
            list = array
        } else {
            throw ControlEventError.invalidField(file: file, index: nil, field: "(root)", reason: "expected an array of events or {\"events\": [...]}")
        }
        var events: [ControlEvent] = []
        for (index, item) in list.enumerated() {
            guard let object = item as? [String: Any] else {
                throw ControlEventError.invalidField(file: file, index: index, field: "(event)", reason: "each event must be a JSON object")
            }
            events.append(try parse(object, file: file, index: index))
        }
        return sorted(events)
    }

    /// Events sorted by time in seconds (stable for equal times).
    public static func sorted(_ events: [ControlEvent]) -> [ControlEvent] {
        events.enumerated().sorted { a, b in
            let ta = a.element.seconds(), tb = b.element.seconds()
            return ta != tb ? ta < tb : a.offset < b.offset
        }.map(\.element)
    }

    private static let knownFields: Set<String> = ["kind", "time", "frame", "payload"]

    private static func parse(_ object: [String: Any], file: String, index: Int) throws -> ControlEvent {
        func fail(_ field: String, _ reason: String) -> ControlEventError {
            .invalidField(file: file, index: index, field: field, reason: reason)
        }
        if let unknown = object.keys.sorted().first(where: { !knownFields.contains($0) }) {
            throw fail(unknown, "unknown field (expected kind, time or frame, payload)")
        }
        guard let kindValue = object["kind"] else { throw fail("kind", "missing") }
        guard let kindName = kindValue as? String, let kind = Kind(name: kindName) else {
            throw fail("kind", "must be one of beat, phoneme, sfx, style (got \(kindValue))")
        }
        let time: Time
        switch (object["time"], object["frame"]) {
        case (nil, nil): throw fail("time", "missing: give \"time\" (seconds) or \"frame\"")
        case (.some, .some): throw fail("frame", "give either \"time\" or \"frame\", not both")
        case let (.some(value), nil):
            guard let number = value as? NSNumber, !isBool(number), number.doubleValue.isFinite, number.doubleValue >= 0 else {
                throw fail("time", "must be a number of seconds ≥ 0 (got \(value))")
            }
            time = .seconds(number.doubleValue)
        case let (nil, .some(value)):
            guard let number = value as? NSNumber, !isBool(number), number.doubleValue >= 0,
                  number.doubleValue == number.doubleValue.rounded(), number.doubleValue < 1e12 else {
                throw fail("frame", "must be an integer frame index ≥ 0 (got \(value))")
            }
            time = .frames(number.intValue)
        }
        let payload: Payload
        switch object["payload"] {
        case nil, is NSNull: payload = .none
        case let string as String: payload = .string(string)
        case let number as NSNumber where !isBool(number) && number.doubleValue.isFinite: payload = .number(number.doubleValue)
        case let other?: throw fail("payload", "must be a string or a finite number (got \(other))")
        }
        return ControlEvent(time: time, kind: kind, payload: payload)
    }

    private static func isBool(_ number: NSNumber) -> Bool {
        // JSON true/false decode as a boolean NSNumber (type name contains "Boolean", objCType "c").
        String(describing: type(of: number)).contains("Boolean")
    }
}

/// Why an events file or event list was rejected.
public enum ControlEventError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case malformedJSON(file: String, reason: String)
    /// `index`: the event's position in the file (nil for the top level).
    case invalidField(file: String, index: Int?, field: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read control events file: \(reason)"
        case let .malformedJSON(file, reason): return "\(file): control events file is not valid JSON: \(reason)"
        case let .invalidField(file, index, field, reason):
            let at = index.map { "event \($0)" } ?? "top level"
            return "\(file): \(at), field '\(field)': \(reason)"
        }
    }
}

extension ControlEventError: LocalizedError {
    public var errorDescription: String? { description }
}
