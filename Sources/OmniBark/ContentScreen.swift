import Guardrails
import Modalities

/// Every text a command is about to generate from, checked against the guard policy: the text,
/// `--style`, live lines, `/say` bodies and the string payloads of control events. Refusals
/// throw `GuardRefusal` (naming the field, never the text); bleeps come back replaced; log-only
/// matches are passed to `log` (the category, never the text).
///
/// OSC and MIDI text payloads do not exist in OmniBark yet; when they do, they go through `text`.
public struct ContentScreen: Sendable {
    public let guardrail: Guardrail
    private let log: @Sendable (String) -> Void

    public init(guardrail: Guardrail, log: @escaping @Sendable (String) -> Void) {
        self.guardrail = guardrail
        self.log = log
    }

    /// `text` as it may be generated (bleeped), or a thrown `GuardRefusal` naming `field`.
    public func text(_ text: String, field: String) throws -> String {
        try guardrail.screen(text, field: field, log: log)
    }

    /// `events` with every string payload screened (field "control event N payload", N from 0 in
    /// the given order).
    public func events(_ events: [ControlEvent]) throws -> [ControlEvent] {
        try events.enumerated().map { index, event in
            guard case let .string(payload) = event.payload else { return event }
            var screened = event
            screened.payload = .string(try text(payload, field: "control event \(index) payload"))
            return screened
        }
    }
}
