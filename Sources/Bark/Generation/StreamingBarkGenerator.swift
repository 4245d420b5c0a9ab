import Foundation

/// Runs Bark's three stages interleaved so fine frames come out while the semantic and coarse
/// stages are still running.
///
/// Schedule: always do the most downstream work that is ready — a fine window, else a coarse
/// window whose semantic context exists (`CoarseStream`), else one semantic step. With
/// `LiveCoarseSettings.paceSemantic`, semantic steps come before a coarse window while the
/// semantic stage is behind `CoarseStream.semanticPacingTarget()`. Semantic and
/// coarse tokens are identical to offline generation with the same seed (each stage draws from
/// its own random stream); fine tokens are identical in `FineStreamingMode.exact`. With
/// `coarseLive` (`GenerationMode.live`) the coarse stage continues its KV cache across windows:
/// its tokens then equal `LiveGeneration`'s, not exact mode's.
///
/// Thread safety: call `run` from one thread (the generation thread); `emit` is called on it.
public struct StreamingBarkGenerator: Sendable {
    public let generator: BarkGenerator
    public let fineMode: FineStreamingMode
    /// The coarse stage's live shortcut (`GenerationMode.live`), or nil for exact windows.
    public let coarseLive: LiveCoarseSettings?
    /// Codebooks a chunked fine stage predicts and emits (nil: all); `FineStreamingMode.exact`
    /// always predicts all of them.
    public let fineCodebooks: Int?
    /// Frames the first chunked fine window finalizes (`FineChunkedStream`'s `firstChunk`), or nil.
    public let fineFirstChunk: Int?

    public init(generator: BarkGenerator, fineMode: FineStreamingMode = .lowLatency, coarseLive: LiveCoarseSettings? = nil,
                fineCodebooks: Int? = nil, fineFirstChunk: Int? = nil) {
        self.generator = generator
        self.fineMode = fineMode
        self.coarseLive = coarseLive
        self.fineCodebooks = fineCodebooks
        self.fineFirstChunk = fineFirstChunk
    }

    /// `GenerationMode.live` with `settings` (coarse cache continued, fine in bounded-overlap chunks).
    public init(generator: BarkGenerator, live settings: LiveGenerationSettings) {
        self.init(generator: generator, fineMode: settings.fineMode, coarseLive: settings.coarse, fineCodebooks: settings.fineCodebooks,
                  fineFirstChunk: settings.fineFirstChunk)
    }

    /// Generates `text`, calling `emit` with each batch of final fine frames (codebook rows,
    /// `[codebook][frame]`, `fineCodebooks` of them in chunked mode) as soon as it exists. Returns
    /// the whole generation.
    ///
    /// - Parameters:
    ///   - conditioning: runs inside the semantic stage after its chosen layers (OmniBark's
    ///     fusion), exactly as `BarkGenerator.generate` runs it: tokens equal the offline ones for
    ///     the same seed and conditioning.
    ///   - observe: called before each scheduling decision with where the generation stands; it
    ///     may replace the semantic stage's conditioning from the next step on (live control
    ///     events), or throw to stop the generation.
    public func run(text: String, voice: VoicePreset?, configuration override: BarkGenerationConfiguration? = nil,
                    seed: UInt64 = 0, timings: inout GenerationTimings,
                    conditioning: (any LayerConditioning)? = nil,
                    progress: GenerationProgressHandler? = nil,
                    observe: ((StreamingGenerationState) throws -> ConditioningUpdate)? = nil,
                    emit: ([[Int]]) throws -> Void) throws -> BarkGeneration {
        let c = override ?? generator.configuration
        let models = generator.models
        let generators = StageRandomGenerators(seed: seed)
        var semantic = SemanticStream(model: models.semantic, textTokens: generator.tokenizer.encode(text),
                                      history: voice?.semanticPrompt, configuration: c, generator: generators.semantic,
                                      conditioning: conditioning)
        var coarse = CoarseStream(model: models.coarse, history: voice.map { CoarseGeneration.history(for: $0, configuration: c) },
                                  configuration: c, generator: generators.coarse, live: coarseLive)
        var chunked: FineChunkedStream?
        if case let .chunked(chunk, lookahead, context) = fineMode {
            chunked = try FineChunkedStream(model: models.fine, history: voice?.finePrompt, configuration: c,
                                            chunk: chunk, lookahead: lookahead, context: context, firstChunk: fineFirstChunk,
                                            codebooks: fineCodebooks, generator: generators.fine)
        }
        var fineRows: [[Int]] = Array(repeating: [], count: chunked?.codebooks ?? c.fine.codebooks)
        var exactDone = false

        while true {
            if let observe {
                let state = StreamingGenerationState(semanticTokens: semantic.tokens.count, semanticFinished: semantic.isFinished,
                                                     semanticLimit: semantic.maxTokens, coarseFrames: coarse.tokens.count / c.coarse.codebooks,
                                                     emittedFrames: fineRows.first?.count ?? 0,
                                                     timings: timings)
                if case let .replace(update) = try observe(state) { semantic.replaceConditioning(update) }
            }
            let coarseFinished = coarse.isFinished(semantic: semantic.tokens, semanticFinished: semantic.isFinished)
            if var stream = chunked, stream.canRun(coarseTokens: coarse.tokens.count, coarseFinished: coarseFinished) {
                let rows = try timings.measure(\.fine) { try stream.run(coarse: coarse.tokens, coarseFinished: coarseFinished) }
                timings.fineWindows += 1
                chunked = stream
                for k in rows.indices { fineRows[k] += rows[k] }
                progress?(GenerationProgress(stage: .fine, completed: fineRows[0].count, total: coarse.tokens.count / c.coarse.codebooks))
                try emit(rows)
            } else if chunked == nil && coarseFinished && !exactDone {
                var fineGenerator = generators.fine
                let rows = try timings.measure(\.fine) {
                    try FineGeneration.generate(model: models.fine, coarse: coarse.tokens, history: voice?.finePrompt,
                                                configuration: c, generator: &fineGenerator, progress: progress)
                }
                exactDone = true
                timings.fineWindows += FineGeneration.windowCount(
                    frames: coarse.tokens.count / c.coarse.codebooks,
                    historyFrames: min(voice?.finePrompt.first?.count ?? 0, c.fine.maxHistoryLength), configuration: c)
                fineRows = rows
                try emit(rows)
            } else if !semantic.isFinished, let target = coarse.semanticPacingTarget(), semantic.tokens.count < target {
                _ = try timings.measure(\.semantic) { try semantic.step() }
                progress?(GenerationProgress(stage: .semantic, completed: semantic.tokens.count, total: semantic.maxTokens))
            } else if coarse.nextWindowLength(semantic: semantic.tokens, semanticFinished: semantic.isFinished) != nil {
                var windowTimings = GenerationTimings()
                try timings.measure(\.coarse) {
                    try coarse.runWindow(semantic: semantic.tokens, semanticFinished: semantic.isFinished,
                                         timings: &windowTimings, progress: progress)
                }
                timings.coarsePrefill += windowTimings.coarsePrefill
                timings.coarseWindows += windowTimings.coarseWindows
                timings.coarsePrefillPasses += windowTimings.coarsePrefillPasses
            } else if !semantic.isFinished {
                _ = try timings.measure(\.semantic) { try semantic.step() }
                progress?(GenerationProgress(stage: .semantic, completed: semantic.tokens.count, total: semantic.maxTokens))
            } else {
                break
            }
        }
        return BarkGeneration(semantic: semantic.tokens, coarse: coarse.tokens, fine: fineRows)
    }
}
