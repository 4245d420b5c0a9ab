import Checkpoints
import Foundation

/// Every constant and default of Bark's generation, read from a model's `generation_config.json`
/// (transformers' nested `BarkGenerationConfig`: `semantic_config`, `coarse_acoustics_config`,
/// `fine_acoustics_config`, `codebook_size`, `sample_rate`). Missing fields take transformers'
/// `BarkSemanticGenerationConfig` / `BarkCoarseGenerationConfig` / `BarkFineGenerationConfig`
/// defaults, which are Bark's values, so a model with other constants works unchanged.
public struct BarkGenerationConfiguration: Sendable, Equatable {
    public struct Semantic: Sendable, Equatable {
        /// Text token ids are offset by this (`text_encoding_offset`, 10048).
        public var textEncodingOffset = 10_048
        /// Padding for text positions (`text_pad_token`, 129595).
        public var textPadToken = 129_595
        /// The token after text+history (`semantic_infer_token`, 129599).
        public var inferToken = 129_599
        /// Semantic tokens are `0 ..< vocabularySize` (`semantic_vocab_size`, 10000).
        public var vocabularySize = 10_000
        /// End of semantic output, also the history pad (`eos_token_id` = `semantic_pad_token`, 10000).
        public var eosToken = 10_000
        /// Text and history length (`max_input_semantic_length`, 256).
        public var maxInputLength = 256
        /// Semantic tokens per second (`semantic_rate_hz`, 49.9).
        public var rateHz = 49.9
        /// Stop when p(EOS) exceeds this (`min_eos_p`; transformers' default nil = never forced).
        public var minEOSProbability: Double?
        /// `max_new_tokens`, 768.
        public var maxNewTokens = 768
        public var sampling = SamplingOptions(topK: BarkGenerationConfiguration.defaultTopK)
    }

    public struct Coarse: Sendable, Equatable {
        /// Replaces semantic EOS/pad in the coarse input (`coarse_semantic_pad_token`, 12048).
        public var semanticPadToken = 12_048
        /// `coarse_infer_token`, 12050.
        public var inferToken = 12_050
        /// Codec frames per second (`coarse_rate_hz`, 75).
        public var rateHz = 75.0
        /// Codebooks predicted by the coarse stage, interleaved (`n_coarse_codebooks`, 2).
        public var codebooks = 2
        /// Semantic tokens in each window's input (`max_coarse_input_length`, 256).
        public var maxInputLength = 256
        /// Coarse tokens of history in each window (`max_coarse_history`, 630).
        public var maxHistory = 630
        /// New tokens per window, with a fresh KV cache each window (`sliding_window_len`, 60).
        public var windowLength = 60
        public var sampling = SamplingOptions(topK: BarkGenerationConfiguration.defaultTopK)
    }

    public struct Fine: Sendable, Equatable {
        /// nil or 1.0: argmax (transformers' rule); otherwise softmax sampling at this temperature.
        public var temperature: Float? = 1
        /// `max_fine_history_length`, 512 (also the window hop).
        public var maxHistoryLength = 512
        /// `max_fine_input_length`, 1024 (window length).
        public var maxInputLength = 1024
        /// `n_fine_codebooks`, 8.
        public var codebooks = 8
    }

    public var semantic = Semantic()
    public var coarse = Coarse()
    public var fine = Fine()
    /// Codes per codebook (`codebook_size`, 1024); also the fine stage's pad value.
    public var codebookSize = 1024
    /// Output sample rate (`sample_rate`, 24000).
    public var sampleRate = 24_000

    public init() {}

    /// transformers' `GenerationConfig` fills an unset `top_k` with 50 before sampling, and Bark's
    /// configs never set it, so sampling keeps the 50 most likely tokens (Suno's original kept all).
    public static let defaultTopK = 50

    /// Semantic-to-coarse token ratio, `coarse_rate_hz / semantic_rate_hz · n_coarse_codebooks`
    /// (≈ 3.006 for Bark), in double precision as Python computes it.
    public var semanticToCoarseRatio: Double { coarse.rateHz / semantic.rateHz * Double(coarse.codebooks) }

    /// Reads `generation_config.json`; a file without nested stage configs (as `save_pretrained`
    /// of a stage model writes) yields the defaults.
    public static func load(from url: URL) throws -> BarkGenerationConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
        guard case let .dictionary(root) = try CheckpointValue.parseJSON(data, file: url.path) else {
            throw CheckpointError.invalidConfiguration(file: url.path, field: "(root)", reason: "expected a JSON object")
        }
        return try parse(root, file: url.path)
    }

    /// Parses the JSON object of a `generation_config.json`.
    public static func parse(_ root: [String: CheckpointValue], file: String) throws -> BarkGenerationConfiguration {
        var c = BarkGenerationConfiguration()
        let top = ConfigurationFieldReader(fields: root, file: file)
        c.codebookSize = try top.int("codebook_size", default: c.codebookSize)
        c.sampleRate = try top.int("sample_rate", default: c.sampleRate)
        if let fields = try top.optionalObject("semantic_config") {
            let r = ConfigurationFieldReader(fields: fields, file: file, prefix: "semantic_config.")
            c.semantic.textEncodingOffset = try r.int("text_encoding_offset", default: c.semantic.textEncodingOffset)
            c.semantic.textPadToken = try r.int("text_pad_token", default: c.semantic.textPadToken)
            c.semantic.inferToken = try r.int("semantic_infer_token", default: c.semantic.inferToken)
            c.semantic.vocabularySize = try r.int("semantic_vocab_size", default: c.semantic.vocabularySize)
            c.semantic.eosToken = try r.int("eos_token_id", default: try r.int("semantic_pad_token", default: c.semantic.eosToken))
            c.semantic.maxInputLength = try r.int("max_input_semantic_length", default: c.semantic.maxInputLength)
            c.semantic.rateHz = try r.double("semantic_rate_hz", default: c.semantic.rateHz)
            c.semantic.minEOSProbability = try r.optionalDouble("min_eos_p")
            c.semantic.maxNewTokens = try r.int("max_new_tokens", default: c.semantic.maxNewTokens)
            c.semantic.sampling = try sampling(r)
        }
        if let fields = try top.optionalObject("coarse_acoustics_config") {
            let r = ConfigurationFieldReader(fields: fields, file: file, prefix: "coarse_acoustics_config.")
            c.coarse.semanticPadToken = try r.int("coarse_semantic_pad_token", default: c.coarse.semanticPadToken)
            c.coarse.inferToken = try r.int("coarse_infer_token", default: c.coarse.inferToken)
            c.coarse.rateHz = try r.double("coarse_rate_hz", default: c.coarse.rateHz)
            c.coarse.codebooks = try r.int("n_coarse_codebooks", default: c.coarse.codebooks)
            c.coarse.maxInputLength = try r.int("max_coarse_input_length", default: c.coarse.maxInputLength)
            c.coarse.maxHistory = try r.int("max_coarse_history", default: c.coarse.maxHistory)
            c.coarse.windowLength = try r.int("sliding_window_len", default: c.coarse.windowLength)
            c.coarse.sampling = try sampling(r)
        }
        if let fields = try top.optionalObject("fine_acoustics_config") {
            let r = ConfigurationFieldReader(fields: fields, file: file, prefix: "fine_acoustics_config.")
            c.fine.temperature = try r.optionalDouble("temperature").map { Float($0) } ?? c.fine.temperature
            if case .null? = fields["temperature"] { c.fine.temperature = nil }
            c.fine.maxHistoryLength = try r.int("max_fine_history_length", default: c.fine.maxHistoryLength)
            c.fine.maxInputLength = try r.int("max_fine_input_length", default: c.fine.maxInputLength)
            c.fine.codebooks = try r.int("n_fine_codebooks", default: c.fine.codebooks)
        }
        try c.validate(file: file)
        return c
    }

    private static func sampling(_ r: ConfigurationFieldReader) throws -> SamplingOptions {
        SamplingOptions(doSample: try r.bool("do_sample", default: false),
                        temperature: Float(try r.double("temperature", default: 1)),
                        topK: try r.optionalInt("top_k") ?? defaultTopK,
                        topP: try r.optionalDouble("top_p").map { Float($0) })
    }

    /// Checks the relations the generation loops rely on.
    public func validate(file: String) throws {
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CheckpointError.invalidConfiguration(file: file, field: field, reason: reason) }
        }
        try require(codebookSize > 0, "codebook_size", "must be positive")
        try require(semantic.vocabularySize > 0 && semantic.maxInputLength > 0 && semantic.maxNewTokens >= 0,
                    "semantic_config", "semantic_vocab_size and max_input_semantic_length must be positive")
        try require(semantic.rateHz > 0 && coarse.rateHz > 0, "semantic_rate_hz", "rates must be positive")
        try require(coarse.codebooks > 0 && coarse.windowLength > 0 && coarse.maxInputLength > 0 && coarse.maxHistory >= 0,
                    "coarse_acoustics_config", "n_coarse_codebooks, sliding_window_len and max_coarse_input_length must be positive")
        try require(fine.codebooks >= coarse.codebooks, "fine_acoustics_config.n_fine_codebooks",
                    "must be at least n_coarse_codebooks (\(coarse.codebooks))")
        try require(fine.maxInputLength > fine.maxHistoryLength && fine.maxHistoryLength > 0,
                    "fine_acoustics_config.max_fine_input_length", "must exceed max_fine_history_length > 0")
        if let p = semantic.minEOSProbability { try require(p > 0, "semantic_config.min_eos_p", "must be positive") }
    }
}
