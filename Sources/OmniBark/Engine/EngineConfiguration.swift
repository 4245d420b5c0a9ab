import Bark
import LiveControl
import Modalities
import Tensors

/// How a `StreamingEngine` generates and plays: the speech options (default voice, seed,
/// sampling, watermark, long-form segmentation), the fine-stage streaming mode, the queue, the
/// session's conditioning defaults and the gapless playback policy.
public struct EngineConfiguration: Sendable {
    public var speech = SpeechOptions()
    public var fineMode: FineStreamingMode = .lowLatency
    /// `exact` (Bark's windows; `fineMode` for the fine stage) or `live` (the shortcuts of `live`,
    /// whose fine settings replace `fineMode`); see `effectiveFineMode` and `coarseLive`.
    public var mode: GenerationMode = .exact
    /// The live mode's settings (used only when `mode == .live`).
    public var live = LiveGenerationSettings.standard
    /// Requests that may wait at once; more are refused with `EngineSayError.queueFull`.
    public var queueCapacity = 64
    /// The session's style instruction (text-adapter prefix such as "[whisper]"), used by every
    /// request that brings none; live `instruction` events change it.
    public var styleInstruction: String?
    /// The session's per-modality priorities and weights; live `weight` events change them.
    public var routing = ModalityRouting()
    /// The session's reference audio (mono, 24 kHz), image (CLIP pixels) and control events
    /// (utterance timeline), used by every request that brings none of that modality.
    public var referenceAudio: [Float]?
    public var image: Tensor?
    public var controlEvents: [ControlEvent] = []
    /// When an utterance starts playing (`GaplessPlaybackGate`); nil plays each chunk as soon as
    /// it exists (the old behaviour: gaps whenever generation is slower than real time).
    public var gapless: GaplessPlaybackGate? = GaplessPlaybackGate()
    /// Live control events (MIDI, OSC, `/control`, stdin) arrive here; the generation thread
    /// applies them between steps. Nil: none.
    public var events: LiveEventInbox?
    /// Live reference audio (JACK `reference_in`): its latest encoding conditions every
    /// utterance that brings no reference audio of its own (and the session gives none).
    public var liveReference: LiveReferenceWindow?
    /// Refresh the live reference between chunks of a running utterance too (preset
    /// `reference.refresh: chunk`), not only at utterance starts.
    public var refreshesReferenceEachChunk = false
    /// Screens text that arrives live (`say`, style instructions, control payloads) with the
    /// content policy; throws to refuse (the event is dropped and logged without its text).
    public var screen: (@Sendable (_ text: String, _ field: String) throws -> String)?
    /// The generation thread's SCHED_FIFO priority (below JACK's), or nil for normal scheduling
    /// with nice −5 (the default: a compute-bound realtime thread can starve the network and
    /// control threads of its core). What it got is logged at start.
    public var realtimePriority: Int?
    /// The latency router (nil: off): skips what costs most and matters least to hold the budget.
    public var router: RouterSettings?
    public init() {}
}
