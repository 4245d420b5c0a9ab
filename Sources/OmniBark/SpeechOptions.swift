import Bark
import Watermark

/// What a user can change about one `speak` call. Nil fields keep the model's
/// `generation_config.json` values.
public struct SpeechOptions: Sendable {
    public var voice: VoicePreset?
    /// Seeds the sampling; the same seed, text, voice and options give the same audio.
    public var seed: UInt64 = 0
    /// Argmax in every stage (overrides the temperatures).
    public var greedy = false
    /// Setting a temperature turns sampling on for that stage (Suno's default is 0.7 for all three).
    public var semanticTemperature: Float?
    public var coarseTemperature: Float?
    /// Fine stage: 1.0 means argmax (transformers' rule).
    public var fineTemperature: Float?
    public var topK: Int?
    public var topP: Float?
    /// Force EOS once its probability exceeds this (Suno uses 0.2; transformers' default: never).
    public var minEOSProbability: Double?
    /// Semantic tokens per segment (transformers' `max_new_tokens`, 768 for Bark).
    public var maxSemanticTokens: Int?
    /// Stop generating once this much audio (seconds) exists; the output is cut to it.
    public var maxDuration: Double?
    /// Split long text at sentence boundaries and generate segment by segment, each with the
    /// previous segment as its voice (keeps the speaker). Off: the text is one generation
    /// (transformers truncates it to `max_input_semantic_length` tokens).
    public var longForm = true
    /// Watermark every output sample with this key and payload (`Watermark` module): `speak`
    /// marks its result, `LiveEngine` and `ServeEngine` mark each utterance's 24 kHz stream on the
    /// generation thread before resampling and the sink. Nil (the default, used by the parity
    /// tests): unmarked. The `omnibark` commands set it unless `--no-watermark`.
    public var watermark: WatermarkSettings?

    public init() {}

    /// The model's configuration with these options applied.
    public func apply(to base: BarkGenerationConfiguration) -> BarkGenerationConfiguration {
        var c = base
        if greedy {
            c.semantic.sampling = .greedy
            c.coarse.sampling = .greedy
            c.fine.temperature = nil
            return withLimits(c)
        }
        if let t = semanticTemperature { c.semantic.sampling.doSample = true; c.semantic.sampling.temperature = t }
        if let t = coarseTemperature { c.coarse.sampling.doSample = true; c.coarse.sampling.temperature = t }
        if let t = fineTemperature { c.fine.temperature = t }
        if let topK { c.semantic.sampling.topK = topK; c.coarse.sampling.topK = topK }
        if let topP { c.semantic.sampling.topP = topP; c.coarse.sampling.topP = topP }
        return withLimits(c)
    }

    private func withLimits(_ base: BarkGenerationConfiguration) -> BarkGenerationConfiguration {
        var c = base
        if let minEOSProbability { c.semantic.minEOSProbability = minEOSProbability }
        if let maxSemanticTokens { c.semantic.maxNewTokens = maxSemanticTokens }
        return c
    }
}
