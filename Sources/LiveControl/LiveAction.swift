import Modalities

/// What a live event asks the engine to do.
public enum LiveAction: Sendable, Equatable {
    /// Queue this text to be spoken after what is already queued.
    case say(String)
    /// A control event for the control adapter: beat marker, phoneme hint, SFX trigger or style
    /// event, with the payload `ControlEvent` carries (slot number, phoneme, SFX name, style word).
    case control(ControlEvent.Kind, ControlEvent.Payload)
    /// A text-adapter prefix such as "[whisper]" put before the following text; "" clears it.
    case styleInstruction(String)
    /// A modality's routing weight (finite, ≥ 0; 0 switches the modality off).
    case weight(Modality, Float)

    /// True for a control event (it joins the running utterance ahead of its time; see the engine).
    public var isControl: Bool {
        if case .control = self { return true }
        return false
    }

    /// Short kind name for logs and JSON: "say", "beat", "phoneme", "sfx", "style",
    /// "instruction", "weight".
    public var kindName: String {
        switch self {
        case .say: return "say"
        case let .control(kind, _):
            switch kind {
            case .beatMarker: return "beat"
            case .phonemeHint: return "phoneme"
            case .sfxTrigger: return "sfx"
            case .style: return "style"
            }
        case .styleInstruction: return "instruction"
        case .weight: return "weight"
        }
    }

    /// Payload for logs and JSON: the text, slot number, phoneme, instruction or weight
    /// (`.null` for a control event without payload). A weight's modality is in `modalityName`.
    public var payloadValue: LiveLogValue {
        switch self {
        case let .say(text): return .string(text)
        case let .control(_, payload):
            switch payload {
            case .none: return .null
            case let .string(text): return .string(text)
            case let .number(number): return LiveLogValue(number: number)
            }
        case let .styleInstruction(text): return .string(text)
        case let .weight(_, weight): return LiveLogValue(number: Double(weight))
        }
    }

    /// The modality a `.weight` action addresses ("text", "audio", "image", "control"); nil otherwise.
    public var modalityName: String? {
        if case let .weight(modality, _) = self { return LiveModalityName.name(of: modality) }
        return nil
    }

    /// The payload as a JSON-compatible Foundation value (`String`, `Int`, `Double` or `NSNull`),
    /// for callers that build JSON with `JSONSerialization` (`/status`).
    public var payloadJSONObject: Any { payloadValue.jsonObject }
}
