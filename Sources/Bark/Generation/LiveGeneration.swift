import Tensors

/// Offline generation in `GenerationMode.live`: the stages one after another, the coarse stage
/// continuing its KV cache across windows and the fine stage in bounded-overlap chunks
/// (`LiveGenerationSettings`). Semantic and coarse tokens equal `StreamingBarkGenerator`'s with the
/// same settings and seed (a live coarse window's placement and continuation depend only on the
/// semantic tokens, never on when they arrived); fine windows run as the streaming ones do while
/// coarse frames are "arriving", so only the last window can differ (streaming may fold a longer
/// tail into it).
public enum LiveGeneration {
    /// Runs all three stages of `generator` on `text`, adding each stage's time to `timings`.
    public static func generate(generator: BarkGenerator, text: String, voice: VoicePreset?,
                                configuration override: BarkGenerationConfiguration? = nil, seed: UInt64 = 0,
                                settings: LiveGenerationSettings = .standard, timings: inout GenerationTimings,
                                progress: GenerationProgressHandler? = nil) throws -> BarkGeneration {
        let c = override ?? generator.configuration
        let models = generator.models
        var generators = StageRandomGenerators(seed: seed)
        let semantic = try timings.measure(\.semantic) {
            try SemanticGeneration.generate(model: models.semantic, textTokens: generator.tokenizer.encode(text),
                                            history: voice?.semanticPrompt, configuration: c, generator: &generators.semantic,
                                            progress: progress)
        }
        var counts = GenerationTimings()
        let coarse = try timings.measure(\.coarse) {
            try coarseTokens(model: models.coarse, semantic: semantic, voice: voice, configuration: c,
                             settings: settings.coarse, generator: generators.coarse, timings: &counts, progress: progress)
        }
        let fine = try timings.measure(\.fine) {
            try fineCodes(model: models.fine, coarse: coarse, voice: voice, configuration: c, settings: settings,
                          generator: generators.fine, timings: &counts)
        }
        timings.coarsePrefill += counts.coarsePrefill
        timings.coarseWindows += counts.coarseWindows
        timings.coarsePrefillPasses += counts.coarsePrefillPasses
        timings.fineWindows += counts.fineWindows
        return BarkGeneration(semantic: semantic, coarse: coarse, fine: fine)
    }

    /// The live coarse stage on a finished semantic sequence.
    public static func coarseTokens(model: BarkCausalModel, semantic: [Int], voice: VoicePreset?, configuration c: BarkGenerationConfiguration,
                                    settings: LiveCoarseSettings, generator: SeededRandomGenerator, timings: inout GenerationTimings,
                                    progress: GenerationProgressHandler? = nil) throws -> [Int] {
        var stream = CoarseStream(model: model, history: voice.map { CoarseGeneration.history(for: $0, configuration: c) },
                                  configuration: c, generator: generator, live: settings)
        while !stream.isFinished(semantic: semantic, semanticFinished: true) {
            try stream.runWindow(semantic: semantic, semanticFinished: true, timings: &timings, progress: progress)
        }
        return stream.tokens
    }

    /// The live fine stage on finished coarse tokens: `settings.fineCodebooks ?? fine.codebooks`
    /// rows, one column per frame.
    public static func fineCodes(model: BarkFineModel, coarse: [Int], voice: VoicePreset?, configuration c: BarkGenerationConfiguration,
                                 settings: LiveGenerationSettings, generator: SeededRandomGenerator,
                                 timings: inout GenerationTimings) throws -> [[Int]] {
        var stream = try FineChunkedStream(model: model, history: voice?.finePrompt, configuration: c, chunk: settings.fineChunk,
                                           lookahead: settings.fineLookahead, context: settings.fineContext,
                                           firstChunk: settings.fineFirstChunk, codebooks: settings.fineCodebooks, generator: generator)
        var rows: [[Int]] = Array(repeating: [], count: stream.codebooks)
        // Chunks as they run while streaming, then the tail as one finished window.
        while stream.canRun(coarseTokens: coarse.count, coarseFinished: false) || stream.canRun(coarseTokens: coarse.count, coarseFinished: true) {
            let streaming = stream.canRun(coarseTokens: coarse.count, coarseFinished: false)
            let batch = try stream.run(coarse: coarse, coarseFinished: !streaming)
            timings.fineWindows += 1
            for k in batch.indices { rows[k] += batch[k] }
        }
        return rows
    }
}
