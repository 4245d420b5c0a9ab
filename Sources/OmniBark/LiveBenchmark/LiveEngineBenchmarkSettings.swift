import Bark

/// How `LiveEngineBenchmark` runs the engine into JACK.
public struct LiveEngineBenchmarkSettings: Sendable {
    /// Seconds of audio to speak at least (utterances of at most `utteranceSemanticTokens` each).
    public var seconds: Double
    /// JACK server name; nil starts a private `jackd -d dummy` (48 kHz, 256-frame periods).
    public var server: String?
    /// The gapless playback policy; nil plays each chunk as soon as it exists (`--no-gapless`).
    public var gapless: GaplessPlaybackGate? = GaplessPlaybackGate()
    /// Steer the engine while it speaks: SFX triggers and beats from every measured source
    /// (`api`, `osc`, `midi`), one of each per `eventInterval` seconds.
    public var events = false
    /// Feed live reference audio (a sine from a JACK client into `reference_in`) and condition
    /// the utterances on its encodings.
    public var reference = false
    /// Seconds between rounds of events.
    public var eventInterval: Double = 1
    /// Seconds of live reference audio kept and encoded (the `daw` preset's 8 s).
    public var referenceWindowSeconds: Double = 8
    /// Seconds of new reference audio before the window is encoded again.
    public var referenceRefreshSeconds: Double = 1
    /// Refresh a running utterance's reference between chunks (the `daw` preset's `chunk`).
    public var refreshesReferenceEachChunk = true
    public var fineMode: FineStreamingMode = .lowLatency
    /// `exact` (Bark's windows) or `live` (the real-time shortcuts; `bench --mode live`).
    public var mode: GenerationMode = .exact
    /// The live mode's settings (`bench --fine-codebooks`).
    public var live = LiveGenerationSettings.standard
    /// Most semantic tokens per utterance (250 ≈ 5 s of audio at 49.9 tokens per second).
    public var utteranceSemanticTokens = 250

    /// Every modality on every utterance: random adapters and a random CLIP ViT-B/32 tower
    /// (`OmniModel.synthetic`), 5 s of reference audio, an image, a style instruction and a beat
    /// per second as control events (`--all-modalities`).
    public var allModalities = false
    /// The latency router (nil: off).
    public var router: RouterSettings?
    /// Keep one core busy while the run lasts (`stress-ng --cpu 1`, or a spinning thread when
    /// stress-ng is not installed).
    public var hog = false

    public init(seconds: Double, server: String? = nil) {
        self.seconds = seconds
        self.server = server
    }
}
