/// The tokens of one Bark generation, as each stage returned them.
public struct BarkGeneration: Sendable, Equatable {
    /// Semantic tokens; ends with the EOS token when the stage stopped on it (transformers keeps it).
    public var semantic: [Int]
    /// Interleaved coarse tokens (offset ids, as the coarse model emits them).
    public var coarse: [Int]
    /// `n_fine_codebooks` rows of EnCodec codes, one column per frame.
    public var fine: [[Int]]

    public init(semantic: [Int], coarse: [Int], fine: [[Int]]) {
        self.semantic = semantic
        self.coarse = coarse
        self.fine = fine
    }

    /// Codec frames (75 per second for Bark).
    public var frames: Int { fine.first?.count ?? 0 }

    /// This generation as a voice for the next one, in Bark's preset layout (Suno's
    /// `output_full`): semantic tokens without EOS, the first `coarseCodebooks` rows of the codes as
    /// `coarse_prompt` (the codes the coarse tokens stand for), and all rows as `fine_prompt`.
    public func voicePreset(configuration: BarkGenerationConfiguration) throws -> VoicePreset {
        let semanticTokens = semantic.filter { $0 < configuration.semantic.vocabularySize }
        return try VoicePreset(semanticPrompt: semanticTokens,
                               coarsePrompt: Array(fine.prefix(configuration.coarse.codebooks)),
                               finePrompt: fine, source: "<generation>",
                               semanticVocabularySize: configuration.semantic.vocabularySize,
                               codebookSize: configuration.codebookSize)
    }
}
