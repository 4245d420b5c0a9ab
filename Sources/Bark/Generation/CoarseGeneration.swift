import Foundation

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
        let ratio = c.semanticToCoarseRatio
        let pad = c.coarse.semanticPadToken
        // The semantic EOS/pad becomes the coarse stage's semantic pad.
        let semantic = semanticOutput.map { $0 == c.semantic.eosToken ? pad : $0 }
        let total = outputLength(validSemanticTokens: semantic.filter { $0 != pad }.count, configuration: c)
        let maxSemanticHistory = Int((Double(c.coarse.maxHistory) / ratio).rounded(.down))
        let semanticAll = (history?.semantic ?? []) + semantic
        let base = history?.semantic.count ?? 0
        var coarse = history?.coarse ?? []
        let historyLength = coarse.count
        let windows = Int((Double(total) / Double(c.coarse.windowLength)).rounded(.up))

        let vocabulary = model.configuration.outputVocabularySize
        let firstStart = c.semantic.vocabularySize, secondStart = firstStart + c.codebookSize
        let evenAllowed = (0..<vocabulary).map { $0 >= firstStart && $0 < secondStart }
        let oddAllowed = (0..<vocabulary).map { $0 >= secondStart }
        var sampler = TokenSampler(options: c.coarse.sampling)
        var cache = model.makeCache()
        var workspace = TransformerWorkspace()

        for _ in 0..<windows {
            let generatedSoFar = coarse.count - historyLength
            let semanticIndex = base + PythonArithmetic.round(Double(generatedSoFar) / ratio)
            let start = max(0, semanticIndex - maxSemanticHistory)
            var input = start < semanticAll.count ? Array(semanticAll[start...].prefix(c.coarse.maxInputLength)) : []
            input += [Int](repeating: pad, count: c.coarse.maxInputLength - input.count)
            input.append(c.coarse.inferToken)
            input += PythonArithmetic.suffix(coarse, c.coarse.maxHistory)

            let steps = min(c.coarse.windowLength, total - generatedSoFar)
            cache.reset()
            try model.forward(tokens: input, cache: &cache, workspace: &workspace, lastPositionOnly: true)
            for step in 0..<steps {
                let token = sampler.choose(logits: workspace.logits, allowed: step % 2 == 0 ? evenAllowed : oddAllowed,
                                           using: &generator)
                coarse.append(token)
                progress?(GenerationProgress(stage: .coarse, completed: coarse.count - historyLength, total: total))
                if step + 1 < steps {
                    try model.forward(tokens: [token], cache: &cache, workspace: &workspace, lastPositionOnly: true)
                }
            }
        }
        return Array(coarse[historyLength...])
    }
}
