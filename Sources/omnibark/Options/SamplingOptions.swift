import ArgumentParser
import OmniBark

/// Seed and sampling overrides (shared by speak, live, serve). Nil fields keep the model's
/// generation_config.json values.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Random seed (speak: a fresh one, printed, unless given; live and serve: 0; request n of a session uses seed + n − 1).")
    var seed: UInt64?

    @Flag(help: "Argmax in every stage (deterministic; equals transformers' greedy generation).")
    var greedy = false

    @Option(name: .customLong("semantic-temperature"), help: "Sample the semantic stage at this temperature.")
    var semanticTemperature: Float?

    @Option(name: .customLong("coarse-temperature"), help: "Sample the coarse stage at this temperature.")
    var coarseTemperature: Float?

    @Option(name: .customLong("fine-temperature"), help: "Fine stage temperature (1.0 = argmax, as transformers).")
    var fineTemperature: Float?

    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens when sampling (semantic and coarse).")
    var topK: Int?

    @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold (semantic and coarse).")
    var topP: Float?

    @Option(name: .customLong("min-eos-p"), help: "End a segment once p(end) exceeds this (Suno uses 0.2).")
    var minEOSP: Double?

    @Option(name: .customLong("max-semantic-tokens"), help: "Semantic tokens per segment (Bark: 768 ≈ 15 s).")
    var maxSemanticTokens: Int?

    @Flag(name: .customLong("no-long-form"), help: "Do not split long text; one generation (text beyond 256 tokens is cut).")
    var noLongForm = false

    func validate() throws {
        if let t = minEOSP, !(t > 0 && t < 1) { throw ValidationError("--min-eos-p must be between 0 and 1, got \(t)") }
        if let n = maxSemanticTokens, n <= 0 { throw ValidationError("--max-semantic-tokens must be positive, got \(n)") }
        for (name, value) in [("--semantic-temperature", semanticTemperature), ("--coarse-temperature", coarseTemperature),
                              ("--fine-temperature", fineTemperature)] {
            if let value, !(value > 0) { throw ValidationError("\(name) must be positive, got \(value)") }
        }
        if let p = topP, !(p > 0 && p <= 1) { throw ValidationError("--top-p must be in (0, 1], got \(p)") }
        if let k = topK, k <= 0 { throw ValidationError("--top-k must be positive, got \(k)") }
    }

    /// Copies the overrides into `options` (the seed as `seed ?? defaultSeed`).
    func apply(to options: inout SpeechOptions, defaultSeed: UInt64) {
        options.seed = seed ?? defaultSeed
        options.greedy = greedy
        options.semanticTemperature = semanticTemperature
        options.coarseTemperature = coarseTemperature
        options.fineTemperature = fineTemperature
        options.topK = topK
        options.topP = topP
        options.minEOSProbability = minEOSP
        options.maxSemanticTokens = maxSemanticTokens
        options.longForm = !noLongForm
    }
}
