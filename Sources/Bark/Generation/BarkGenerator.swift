import Checkpoints
import Foundation
import Tensors

/// Text (+ optional voice) → Bark tokens: tokenizer, semantic, coarse and fine stages, with the
/// semantics of transformers' `BarkModel.generate` (see each stage's type for details).
///
/// Immutable and `Sendable`; each call owns its caches, workspaces and random generator.
public struct BarkGenerator: Sendable {
    public let models: BarkModels
    public let tokenizer: BarkTokenizer
    public let configuration: BarkGenerationConfiguration

    public init(models: BarkModels, tokenizer: BarkTokenizer, configuration: BarkGenerationConfiguration) {
        self.models = models
        self.tokenizer = tokenizer
        self.configuration = configuration
    }

    /// Loads a Hugging Face Bark directory: weights (`BarkModels`), `vocab.txt` (+
    /// `tokenizer_config.json`) and `generation_config.json` (Bark's defaults when absent).
    public init(modelDirectory: URL) throws {
        let generationConfig = modelDirectory.appendingPathComponent("generation_config.json")
        self.init(models: try BarkModels(contentsOf: modelDirectory),
                  tokenizer: try BarkTokenizer(modelDirectory: modelDirectory),
                  configuration: FileManager.default.fileExists(atPath: generationConfig.path)
                      ? try BarkGenerationConfiguration.load(from: generationConfig) : BarkGenerationConfiguration())
    }

    /// Runs all three stages.
    ///
    /// - Parameters:
    ///   - configuration: overrides (sampling, `min_eos_p`, token limits); nil uses the model's.
    ///   - seed: seeds one random stream per stage (`StageRandomGenerators`).
    public func generate(text: String, voice: VoicePreset?, configuration override: BarkGenerationConfiguration? = nil,
                         seed: UInt64 = 0, progress: GenerationProgressHandler? = nil) throws -> BarkGeneration {
        var timings = GenerationTimings()
        return try generate(text: text, voice: voice, configuration: override, seed: seed, timings: &timings, progress: progress)
    }

    /// Like `generate(text:voice:configuration:seed:progress:)`, adding each stage's wall-clock
    /// time to `timings`; `conditioning` (e.g. the omnimodal fusion block) runs inside the semantic
    /// stage after its chosen layers.
    public func generate(text: String, voice: VoicePreset?, configuration override: BarkGenerationConfiguration? = nil,
                         seed: UInt64 = 0, timings: inout GenerationTimings,
                         conditioning: (any LayerConditioning)? = nil,
                         progress: GenerationProgressHandler? = nil) throws -> BarkGeneration {
        let c = override ?? configuration
        var generators = StageRandomGenerators(seed: seed)
        let textTokens = tokenizer.encode(text)
        let semantic = try timings.measure(\.semantic) {
            try SemanticGeneration.generate(
                model: models.semantic, textTokens: textTokens, history: voice?.semanticPrompt,
                configuration: c, generator: &generators.semantic, progress: progress, conditioning: conditioning)
        }
        var coarseTimings = GenerationTimings()
        let coarse = try timings.measure(\.coarse) {
            try CoarseGeneration.generate(
                model: models.coarse, semantic: semantic, history: voice.map { CoarseGeneration.history(for: $0, configuration: c) },
                configuration: c, generator: &generators.coarse, timings: &coarseTimings, progress: progress)
        }
        timings.coarsePrefill += coarseTimings.coarsePrefill
        timings.coarseWindows += coarseTimings.coarseWindows
        timings.coarsePrefillPasses += coarseTimings.coarsePrefillPasses
        let fine = try timings.measure(\.fine) {
            try FineGeneration.generate(
                model: models.fine, coarse: coarse, history: voice?.finePrompt,
                configuration: c, generator: &generators.fine, progress: progress)
        }
        timings.fineWindows += FineGeneration.windowCount(frames: coarse.count / c.coarse.codebooks,
                                                          historyFrames: min(voice?.finePrompt.first?.count ?? 0, c.fine.maxHistoryLength),
                                                          configuration: c)
        return BarkGeneration(semantic: semantic, coarse: coarse, fine: fine)
    }
}

/// One random stream per stage, derived from one seed.
public struct StageRandomGenerators: Sendable {
    public var semantic: SeededRandomGenerator
    public var coarse: SeededRandomGenerator
    public var fine: SeededRandomGenerator

    public init(seed: UInt64) {
        semantic = SeededRandomGenerator(seed: seed, stream: 1)
        coarse = SeededRandomGenerator(seed: seed, stream: 2)
        fine = SeededRandomGenerator(seed: seed, stream: 3)
    }
}
