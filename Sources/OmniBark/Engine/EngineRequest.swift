import Bark
import Modalities

/// One utterance for `StreamingEngine`: what to say and what conditions it, with its own voice,
/// seed and priority.
///
/// The bundle carries every modality `speak` takes (text, style instruction, reference audio,
/// image, control events, routing). Its routing replaces the engine's session routing for this
/// request when `usesOwnRouting` is set; otherwise the session's (preset, `--weight`, live
/// weight events) applies.
public struct EngineRequest: Sendable {
    public var bundle: ModalityBundle
    /// Nil: the engine's default voice (`SpeechOptions.voice`), or the previous utterance's voice
    /// for later segments of a long text.
    public var voice: VoicePreset?
    /// Nil: the engine's seed plus the request number minus one.
    public var seed: UInt64?
    /// Higher jumps the queue; equal priorities keep their order.
    public var priority: Int
    /// Use `bundle.routing` instead of the session's routing.
    public var usesOwnRouting: Bool

    public init(bundle: ModalityBundle, voice: VoicePreset? = nil, seed: UInt64? = nil, priority: Int = 0,
                usesOwnRouting: Bool = false) {
        self.bundle = bundle
        self.voice = voice
        self.seed = seed
        self.priority = priority
        self.usesOwnRouting = usesOwnRouting
    }

    /// A text-only request. Throws `ModalityError.noInput` for empty text.
    public init(text: String, voice: VoicePreset? = nil, seed: UInt64? = nil, priority: Int = 0) throws {
        self.init(bundle: try ModalityBundle(text: text), voice: voice, seed: seed, priority: priority)
    }

    /// The text to speak ("" when other modalities stand in for text).
    public var text: String { bundle.text ?? "" }
}
