import Checkpoints
import Foundation
import Modalities

/// The JSON of `POST /control` and of stdin/file lines: the control-events file format of
/// `ControlEvent.parse` (kind beat|phoneme|sfx|style with an optional payload) extended for
/// live use:
/// - `time` (seconds) or `frame` (EnCodec frames, 75 Hz) is OPTIONAL and means "this long after
///   arrival" (absent: now); at most one of them, within `LiveControlLimits.maximumDelaySeconds`;
/// - extra kinds: `{"kind":"say","payload":"text"}`, `{"kind":"instruction","payload":"[whisper]"}`
///   ("" clears), `{"kind":"weight","modality":"audio","payload":0.5}` (modality
///   text|audio|image|control, weight finite and ≥ 0).
///
/// A body is one event object, an array of them, or `{"events":[…]}`, with at most
/// `LiveControlLimits.maximumEventsPerBody` (256) events. Texts are at most
/// `LiveControlLimits.maximumTextBytes` UTF-8 bytes. Unknown fields are refused.
public enum LiveControlJSON {
    /// The events of `data`, in body order, stamped `source` and `receivedSample` (24 kHz
    /// output-timeline samples at arrival); `dueSample` = `receivedSample` + the offset in samples
    /// at `engineRate` (Hz, > 0), nil without `time`/`frame`. Throws `LiveControlJSONError`
    /// naming the event index and field; a body with any bad event yields no events.
    public static func parse(_ data: Data, source: LiveEventSource, receivedSample: Int64,
                             engineRate: Int = LiveControlLimits.engineRate) throws(LiveControlJSONError) -> [LiveEvent] {
        guard engineRate > 0 else {
            throw .invalidField(index: nil, field: "engineRate", reason: "must be a sample rate > 0 (got \(engineRate))")
        }
        let list = try eventObjects(data)
        let now = DispatchTime.now().uptimeNanoseconds
        var events: [LiveEvent] = []
        events.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            guard let object = item as? [String: Any] else {
                throw .invalidField(index: index, field: "(event)", reason: "each event must be a JSON object")
            }
            let (action, delay) = try parseEvent(object, index: index)
            events.append(LiveEvent(source: source, action: action, receivedSample: receivedSample,
                                    dueSample: LiveEvent.dueSample(receivedSample: receivedSample, delaySeconds: delay, engineRate: engineRate),
                                    receivedUptimeNanos: now))
        }
        return events
    }

    /// The list of event objects of a body: one object, an array, or `{"events": [...]}`.
    private static func eventObjects(_ data: Data) throws(LiveControlJSONError) -> [Any] {
        guard !data.isEmpty else { throw .malformedJSON(reason: "the body is empty") }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw .malformedJSON(reason: DecodingErrorText.syntax(error))
        }
        let list: [Any]
        if let array = root as? [Any] {
            list = array
        } else if let object = root as? [String: Any] {
            if let events = object["events"] {
                guard let array = events as? [Any] else {
                    throw .invalidField(index: nil, field: "events", reason: "must be an array of events")
                }
                if let extra = object.keys.sorted().first(where: { $0 != "events" }) {
                    throw .invalidField(index: nil, field: extra, reason: "unknown field beside \"events\"")
                }
                list = array
            } else {
                list = [object]
            }
        } else {
            throw .invalidField(index: nil, field: "(root)", reason: "expected an event object, an array of events or {\"events\": [...]}")
        }
        guard list.count <= LiveControlLimits.maximumEventsPerBody else {
            throw .tooManyEvents(count: list.count, limit: LiveControlLimits.maximumEventsPerBody)
        }
        return list
    }

    private static let controlFields: Set<String> = ["kind", "time", "frame", "payload"]

    /// One event object: its action and its delay in seconds (nil: now).
    private static func parseEvent(_ object: [String: Any], index: Int) throws(LiveControlJSONError) -> (LiveAction, Double?) {
        func fail(_ field: String, _ reason: String) -> LiveControlJSONError {
            .invalidField(index: index, field: field, reason: reason)
        }
        guard let kindValue = object["kind"] else { throw fail("kind", "missing") }
        guard let kindName = kindValue as? String else { throw fail("kind", "must be a string (got \(describe(kindValue)))") }
        let allowed = kindName == "weight" ? controlFields.union(["modality"]) : controlFields
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail(unknown, "unknown field for kind \"\(kindName)\" (expected kind, payload, time or frame"
                        + (kindName == "weight" ? ", modality)" : ")"))
        }
        let delay = try parseDelay(object, fail: fail)
        let payload = object["payload"]
        switch kindName {
        case "say":
            let text = try text(payload, fail: fail)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("payload", "must be non-empty text to speak") }
            return (.say(text), delay)
        case "instruction":
            return (.styleInstruction(try text(payload, fail: fail)), delay)
        case "weight":
            guard let modalityValue = object["modality"] else { throw fail("modality", "missing: one of \(LiveModalityName.choices)") }
            guard let name = modalityValue as? String, let modality = LiveModalityName.modality(named: name) else {
                throw fail("modality", "must be one of \(LiveModalityName.choices) (got \(describe(modalityValue)))")
            }
            guard let number = payload.flatMap(jsonNumber), number.isFinite, number >= 0, Float(number).isFinite else {
                throw fail("payload", "must be a finite weight ≥ 0 (got \(payload.map(describe) ?? "nothing"))")
            }
            return (.weight(modality, Float(number)), delay)
        default:
            guard let kind = ControlEvent.Kind(name: kindName) else {
                throw fail("kind", "must be one of say, beat, phoneme, sfx, style, instruction, weight (got \"\(kindName)\")")
            }
            return (.control(kind, try controlPayload(payload, fail: fail)), delay)
        }
    }

    /// `time` (seconds) or `frame` (75 Hz) as a delay in seconds; nil when neither is given.
    private static func parseDelay(_ object: [String: Any],
                                   fail: (String, String) -> LiveControlJSONError) throws(LiveControlJSONError) -> Double? {
        let limit = LiveControlLimits.maximumDelaySeconds
        switch (object["time"], object["frame"]) {
        case (nil, nil): return nil
        case (.some, .some): throw fail("frame", "give either \"time\" or \"frame\", not both")
        case let (.some(value), nil):
            guard let seconds = jsonNumber(value), seconds.isFinite, seconds >= 0, seconds <= limit else {
                throw fail("time", "must be a delay in seconds, 0…\(Int(limit)) (got \(describe(value)))")
            }
            return seconds
        case let (nil, .some(value)):
            let maximumFrames = limit * Double(LiveControlLimits.frameRate)
            guard let frames = jsonNumber(value), frames >= 0, frames == frames.rounded(), frames <= maximumFrames else {
                throw fail("frame", "must be a whole number of 75 Hz frames, 0…\(Int(maximumFrames)) (got \(describe(value)))")
            }
            return frames / Double(LiveControlLimits.frameRate)
        }
    }

    /// A required text payload of at most `maximumTextBytes` UTF-8 bytes.
    private static func text(_ value: Any?, fail: (String, String) -> LiveControlJSONError) throws(LiveControlJSONError) -> String {
        guard let value else { throw fail("payload", "missing: give the text as a string") }
        guard let text = value as? String else { throw fail("payload", "must be a string (got \(describe(value)))") }
        guard text.utf8.count <= LiveControlLimits.maximumTextBytes else {
            throw fail("payload", "is \(text.utf8.count) bytes long (at most \(LiveControlLimits.maximumTextBytes))")
        }
        return text
    }

    /// A control event's optional payload: a string (phoneme, SFX name, style word) or a finite number.
    private static func controlPayload(_ value: Any?,
                                       fail: (String, String) -> LiveControlJSONError) throws(LiveControlJSONError) -> ControlEvent.Payload {
        switch value {
        case nil, is NSNull: return .none
        case let string as String:
            guard string.utf8.count <= LiveControlLimits.maximumTextBytes else {
                throw fail("payload", "is \(string.utf8.count) bytes long (at most \(LiveControlLimits.maximumTextBytes))")
            }
            return .string(string)
        case let other?:
            guard let number = jsonNumber(other), number.isFinite else {
                throw fail("payload", "must be a string or a finite number (got \(describe(other)))")
            }
            return .number(number)
        }
    }

    /// A JSON number (not a boolean) as a Double.
    private static func jsonNumber(_ value: Any) -> Double? {
        guard let number = value as? NSNumber, !isBool(number) else { return nil }
        return number.doubleValue
    }

    private static func isBool(_ number: NSNumber) -> Bool {
        // JSON true/false decode as a boolean NSNumber (CFBoolean / __NSCFBoolean).
        String(describing: type(of: number)).contains("Boolean")
    }

    /// A short rendering of a JSON value for messages (strings quoted and cut at 40 characters).
    private static func describe(_ value: Any) -> String {
        switch value {
        case let string as String:
            return string.count > 40 ? "\"\(string.prefix(40))…\"" : "\"\(string)\""
        case let number as NSNumber: return isBool(number) ? (number.boolValue ? "true" : "false") : "\(number)"
        case is NSNull: return "null"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(value)"
        }
    }
}
