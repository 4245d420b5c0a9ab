import Bark
import Modalities
import Tensors

/// How a `StreamingEngine` generates and plays: the speech options (default voice, seed,
/// sampling, watermark, long-form segmentation), the fine-stage streaming mode, the queue, the
/// session's conditioning defaults and the gapless playback policy.
public struct EngineConfiguration: Sendable {
    public var speech = SpeechOptions()
    public var fineMode: FineStreamingMode = .lowLatency
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
    public init() {}
}
