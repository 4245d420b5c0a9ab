/// One line of the `--event-log` file: what happened to one live event (or one piece of
/// malformed input), as a JSON object with its keys in a fixed order:
///
///     {"source":"osc","kind":"sfx","payload":3,"received_sample":48000,"applied_frame":120,"latency_ms":4.2}
///     {"source":"http","kind":"say","payload":"hi","received_sample":0,"dropped":"inbox full (4096 events waiting)"}
///
/// Keys: `source` (`LiveEventSource`), `kind` (`LiveAction.kindName`, or "malformed"), `payload`,
/// `modality` (weights only), `received_sample` (24 kHz output-timeline samples; absent when
/// unknown), `due_sample` (only for delayed events), then either `applied_frame` (EnCodec frame,
/// 75 Hz, on the output timeline) and `latency_ms` (arrival to application, milliseconds), or
/// `dropped` (the reason).
public struct LiveEventLogLine: Sendable, Equatable {
    /// What became of the event.
    public enum Outcome: Sendable, Equatable {
        /// Applied at EnCodec frame `frame` (75 Hz output timeline), `latencyMs` after arrival.
        case applied(frame: Int, latencyMs: Double)
        /// Not applied; `reason` says why ("inbox full (4096 events waiting)", "unknown address" …).
        case dropped(reason: String)
    }

    public var source: LiveEventSource
    public var kind: String
    public var payload: LiveLogValue
    public var modality: String?
    public var receivedSample: Int64?
    public var dueSample: Int64?
    public var outcome: Outcome

    public init(source: LiveEventSource, kind: String, payload: LiveLogValue, modality: String? = nil,
                receivedSample: Int64?, dueSample: Int64? = nil, outcome: Outcome) {
        self.source = source
        self.kind = kind
        self.payload = payload
        self.modality = modality
        self.receivedSample = receivedSample
        self.dueSample = dueSample
        self.outcome = outcome
    }

    /// The line for `event` with `outcome`.
    public init(event: LiveEvent, outcome: Outcome) {
        self.init(source: event.source, kind: event.action.kindName, payload: event.action.payloadValue,
                  modality: event.action.modalityName, receivedSample: event.receivedSample,
                  dueSample: event.dueSample, outcome: outcome)
    }

    /// The JSON object, one line, without the trailing newline.
    public var json: String {
        var fields: [(String, LiveLogValue)] = [("source", .string(source.rawValue)), ("kind", .string(kind)), ("payload", payload)]
        if let modality { fields.append(("modality", .string(modality))) }
        if let receivedSample { fields.append(("received_sample", .integer(receivedSample))) }
        if let dueSample { fields.append(("due_sample", .integer(dueSample))) }
        switch outcome {
        case let .applied(frame, latencyMs):
            fields.append(("applied_frame", .integer(Int64(frame))))
            // Microsecond resolution is plenty for a latency and keeps lines short.
            fields.append(("latency_ms", LiveLogValue(number: (latencyMs * 1000).rounded() / 1000)))
        case let .dropped(reason):
            fields.append(("dropped", .string(reason)))
        }
        return "{" + fields.map { LiveLogValue.quoted($0.0) + ":" + $0.1.json }.joined(separator: ",") + "}"
    }
}
