import Foundation
import Tensors

/// Semantic tokens → interleaved coarse tokens (first `codebooks` EnCodec codebooks), as
/// transformers' `BarkCoarseModel.generate` (Suno's `generate_coarse`).
///
/// Token layout: codebook n's code c is `vocabularySize + n·codebookSize + c`; tokens alternate
/// codebook 0, 1, 0, 1, … The output is `round(floor(n·ratio/2)·2)` tokens for n non-pad semantic
/// tokens (computed in float32 as torch does), generated in windows of `windowLength` steps, each
/// with a fresh KV cache over `[semantic context (≤ maxInputLength), infer token, last ≤ maxHistory
/// coarse tokens]`. Within a window, even steps allow `[S, S+C)`, odd steps every id ≥ S+C
/// (transformers' `AlternatingCodebooksLogitsProcessor`; Suno stopped odd steps at S+2C).
public enum CoarseGeneration {
    /// Histories from a voice preset, trimmed and aligned as transformers' `preprocess_histories`.
    public struct History: Sendable, Equatable {
        public var semantic: [Int]
        /// Interleaved, offset coarse tokens.
        public var coarse: [Int]
    }

    /// - Parameters:
    ///   - semanticPrompt, coarsePrompt: the voice's `semantic_prompt` and `coarse_prompt`
    ///     (`codebooks` rows of codes in `[0, codebookSize)`).
    public static func history(semanticPrompt: [Int], coarsePrompt: [[Int]],
                               configuration c: BarkGenerationConfiguration) -> History {
        let ratio = c.semanticToCoarseRatio
        let frames = coarsePrompt.first?.count ?? 0
        var coarse: [Int] = []
        coarse.reserveCapacity(frames * coarsePrompt.count)
        for t in 0..<frames {
            for (n, row) in coarsePrompt.enumerated() {
                coarse.append(row[t] + c.codebookSize * n + c.semantic.vocabularySize)
            }
        }
        let maxSemanticHistory = Int((Double(c.coarse.maxHistory) / ratio).rounded(.down))
        let semanticCount = min(maxSemanticHistory, semanticPrompt.count - semanticPrompt.count % 2,
                                Int((Double(coarse.count) / ratio).rounded(.down)))
        let coarseCount = PythonArithmetic.round(Double(semanticCount) * ratio)
        let semantic = PythonArithmetic.suffix(semanticPrompt, semanticCount)
        var trimmedCoarse = PythonArithmetic.suffix(coarse, coarseCount)
        // "bit of a hack for time alignment (sounds better)": drop the last 2 coarse tokens.
        trimmedCoarse = Array(trimmedCoarse.dropLast(2))
        return History(semantic: semantic, coarse: trimmedCoarse)
    }

    /// The coarse history of a voice preset.
    public static func history(for voice: VoicePreset, configuration c: BarkGenerationConfiguration) -> History {
        history(semanticPrompt: voice.semanticPrompt, coarsePrompt: voice.coarsePrompt, configuration: c)
    }

    /// Number of coarse tokens generated for `semantic` (EOS/pad already counted out), as torch
    /// computes it: float32 `floor(n · ratio / codebooks)`, then `round(· × codebooks)`.
    public static func outputLength(validSemanticTokens n: Int, configuration c: BarkGenerationConfiguration) -> Int {
        let codebooks = Float(c.coarse.codebooks)
        let perCodebook = (Float(n) * Float(c.semanticToCoarseRatio) / codebooks).rounded(.down)
        return Int((perCodebook * codebooks).rounded(.toNearestOrEven))
    }

    public static func generate(
        model: BarkCausalModel, semantic semanticOutput: [Int], history: History?,
        configuration c: BarkGenerationConfiguration, generator: inout SeededRandomGenerator,
        progress: GenerationProgressHandler? = nil
    ) throws -> [Int] {
        var timings = GenerationTimings()
        return try generate(model: model, semantic: semanticOutput, history: history, configuration: c,
                            generator: &generator, timings: &timings, progress: progress)
    }

    /// `generate`, adding prefill time and window count to `timings`.
    public static func generate(
        model: BarkCausalModel, semantic semanticOutput: [Int], history: History?,
        configuration c: BarkGenerationConfiguration, generator: inout SeededRandomGenerator,
        timings: inout GenerationTimings, progress: GenerationProgressHandler? = nil
    ) throws -> [Int] {
        var stream = CoarseStream(model: model, history: history, configuration: c, generator: generator)
        while !stream.isFinished(semantic: semanticOutput, semanticFinished: true) {
            try stream.runWindow(semantic: semanticOutput, semanticFinished: true, timings: &timings, progress: progress)
        }
        generator = stream.generator
        return stream.tokens
    }
}

/// The coarse stage as a resumable state machine, one sliding window per `runWindow`.
///
/// A window can run before the semantic stage has finished once (a) its semantic context
/// (`start … start + maxInputLength`) exists and (b) it is certain to be a full window: the output
/// length only grows with more semantic tokens, so `outputLength(tokens so far) ≥ generated +
/// windowLength` proves it. Windows therefore see exactly what the offline loop sees, and the
/// tokens are identical.
///
/// With `live` settings the stream continues its KV cache across windows instead (see
/// `LiveCoarseSettings`; `CoarseStream+Live.swift`): tokens then differ from the offline loop.
///
/// Thread safety: a value type; one generation thread drives it.
public struct CoarseStream: Sendable {
    public let model: BarkCausalModel
    public let configuration: BarkGenerationConfiguration
    /// Generated coarse tokens (interleaved, offset ids), without the voice history.
    public internal(set) var tokens: [Int] = []
    public internal(set) var generator: SeededRandomGenerator
    /// The live shortcut's settings, or nil for exact windows.
    public let live: LiveCoarseSettings?

    let history: CoarseGeneration.History?
    let evenAllowed: [Bool]
    let oddAllowed: [Bool]
    /// The vocabulary entries the even / odd steps may choose (`evenAllowed` / `oddAllowed` as
    /// masks): the only logits a step computes (`logitRange(forStep:)`).
    let evenRange: Range<Int>
    let oddRange: Range<Int>
    var sampler: TokenSampler
    var cache: KVCache
    var workspace = TransformerWorkspace()
    /// Live mode: what the cache holds, or nil when the next window must prefill.
    var continuation: LiveCoarseContinuation?
    /// Teacher forcing (quality measurement): when set, step `i` appends `teacherTokens[i]` instead
    /// of its own choice, and `teacherMatches` counts the steps whose own choice was the same.
    public var teacherTokens: [Int]?
    public internal(set) var teacherMatches = 0

    public init(model: BarkCausalModel, history: CoarseGeneration.History?,
                configuration c: BarkGenerationConfiguration, generator: SeededRandomGenerator,
                live: LiveCoarseSettings? = nil) {
        self.model = model
        self.live = live
        configuration = c
        self.history = history
        self.generator = generator
        let vocabulary = model.configuration.outputVocabularySize
        let firstStart = c.semantic.vocabularySize, secondStart = firstStart + c.codebookSize
        let evenRange = min(firstStart, vocabulary)..<min(secondStart, vocabulary), oddRange = min(secondStart, vocabulary)..<vocabulary
        self.evenRange = evenRange
        self.oddRange = oddRange
        evenAllowed = (0..<vocabulary).map { evenRange.contains($0) }
        oddAllowed = (0..<vocabulary).map { oddRange.contains($0) }
        sampler = TokenSampler(options: c.coarse.sampling)
        cache = model.makeCache()
    }

    /// Tokens the stage will produce in total, if the semantic stage has finished; otherwise a
    /// lower bound.
    public func targetLength(semantic: [Int]) -> Int {
        let valid = semantic.filter { $0 != configuration.semantic.eosToken && $0 != configuration.coarse.semanticPadToken }.count
        return CoarseGeneration.outputLength(validSemanticTokens: valid, configuration: configuration)
    }

    public func isFinished(semantic: [Int], semanticFinished: Bool) -> Bool {
        semanticFinished && tokens.count >= targetLength(semantic: semantic)
    }

    /// Number of tokens the next window will generate, or nil if it cannot run yet.
    public func nextWindowLength(semantic: [Int], semanticFinished: Bool) -> Int? {
        if live != nil { return liveNextWindowLength(semantic: semantic, semanticFinished: semanticFinished) }
        let c = configuration.coarse
        guard let steps = windowSteps(semantic: semantic, semanticFinished: semanticFinished) else { return nil }
        if !semanticFinished {
            guard (history?.semantic.count ?? 0) + semantic.count >= contextStart() + c.maxInputLength else { return nil }
        }
        return steps
    }

    /// Tokens the next window generates once its semantic context exists: a full window while
    /// the semantic stage runs (nil until its target allows one), what is left once it ended
    /// (nil when nothing is). Shared by exact and live mode.
    func windowSteps(semantic: [Int], semanticFinished: Bool) -> Int? {
        let c = configuration.coarse
        let target = targetLength(semantic: semantic)
        if semanticFinished {
            let steps = min(c.windowLength, target - tokens.count)
            return steps > 0 ? steps : nil
        }
        return target >= tokens.count + c.windowLength ? c.windowLength : nil
    }

    /// Runs the next window (see `nextWindowLength`); does nothing if it cannot run yet.
    public mutating func runWindow(semantic semanticOutput: [Int], semanticFinished: Bool,
                                   progress: GenerationProgressHandler? = nil) throws {
        var ignored = GenerationTimings()
        try runWindow(semantic: semanticOutput, semanticFinished: semanticFinished, timings: &ignored, progress: progress)
    }

    /// `runWindow`, adding the prefill time and the window to `timings`.
    public mutating func runWindow(semantic semanticOutput: [Int], semanticFinished: Bool, timings: inout GenerationTimings,
                                   progress: GenerationProgressHandler? = nil) throws {
        if live != nil {
            try runLiveWindow(semantic: semanticOutput, semanticFinished: semanticFinished, timings: &timings, progress: progress)
            return
        }
        guard let steps = nextWindowLength(semantic: semanticOutput, semanticFinished: semanticFinished) else { return }
        let c = configuration
        let pad = c.coarse.semanticPadToken
        // The semantic EOS/pad becomes the coarse stage's semantic pad.
        let semanticAll = (history?.semantic ?? []) + semanticOutput.map { $0 == c.semantic.eosToken ? pad : $0 }
        let start = contextStart()
        var input = start < semanticAll.count ? Array(semanticAll[start...].prefix(c.coarse.maxInputLength)) : []
        input += [Int](repeating: pad, count: c.coarse.maxInputLength - input.count)
        input.append(c.coarse.inferToken)
        input += PythonArithmetic.suffix((history?.coarse ?? []) + tokens, c.coarse.maxHistory)

        let total = semanticFinished ? targetLength(semantic: semanticOutput) : max(targetLength(semantic: semanticOutput), tokens.count + steps)
        cache.reset()
        try timings.measure(\.coarsePrefill) {
            try model.forward(tokens: input, cache: &cache, workspace: &workspace, lastPositionOnly: true,
                              logitRange: logitRange(forStep: 0))
        }
        timings.coarseWindows += 1
        timings.coarsePrefillPasses += 1
        for step in 0..<steps {
            let token = chooseOrForce(step: step)
            tokens.append(token)
            progress?(GenerationProgress(stage: .coarse, completed: tokens.count, total: total))
            if step + 1 < steps {
                try model.forward(tokens: [token], cache: &cache, workspace: &workspace, lastPositionOnly: true,
                                  logitRange: logitRange(forStep: step + 1))
            }
        }
    }

    /// The logits step `step` of a window may choose from (its codebook's tokens): the only part
    /// of the `lm_head` a forward pass computes for it. A window has an even number of steps, so
    /// its step parity is the codebook's.
    func logitRange(forStep step: Int) -> Range<Int> {
        step % 2 == 0 ? evenRange : oddRange
    }

    /// The sampler's choice for `step` of a window, or the teacher's token (counting agreement).
    mutating func chooseOrForce(step: Int) -> Int {
        let chosen = sampler.choose(logits: workspace.logits, allowed: step % 2 == 0 ? evenAllowed : oddAllowed, using: &generator)
        guard let teacherTokens, tokens.count < teacherTokens.count else { return chosen }
        let forced = teacherTokens[tokens.count]
        if forced == chosen { teacherMatches += 1 }
        return forced
    }

    /// First semantic index (into history + output) of the next window's context.
    func contextStart() -> Int {
        let ratio = configuration.semanticToCoarseRatio
        let maxSemanticHistory = Int((Double(configuration.coarse.maxHistory) / ratio).rounded(.down))
        let semanticIndex = (history?.semantic.count ?? 0) + PythonArithmetic.round(Double(tokens.count) / ratio)
        return max(0, semanticIndex - maxSemanticHistory)
    }
}
