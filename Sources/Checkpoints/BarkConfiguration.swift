import Foundation

/// The configuration of a whole Bark model: HF `BarkConfig` (`config.json` with `semantic_config`,
/// `coarse_acoustics_config`, `fine_acoustics_config`, `codec_config`).
public struct BarkConfiguration: Sendable, Equatable {
    public var semantic: BarkTransformerConfiguration
    public var coarse: BarkTransformerConfiguration
    public var fine: BarkTransformerConfiguration
    /// `codec_config` as stored (EnCodec settings), or nil when the file has none.
    public var codec: [String: CheckpointValue]?

    public init(semantic: BarkTransformerConfiguration, coarse: BarkTransformerConfiguration,
                fine: BarkTransformerConfiguration, codec: [String: CheckpointValue]? = nil) {
        self.semantic = semantic
        self.coarse = coarse
        self.fine = fine
        self.codec = codec
    }

    /// The configuration of `stage`.
    public subscript(stage: BarkStage) -> BarkTransformerConfiguration {
        switch stage {
        case .semantic: return semantic
        case .coarse: return coarse
        case .fine: return fine
        }
    }

    /// Reads an HF `config.json`. Missing numeric fields take transformers' class defaults, as
    /// `from_pretrained` would; wrong types and impossible values throw naming the field.
    public static func load(from url: URL) throws -> BarkConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
        guard let root = try CheckpointValue.parseJSON(data, file: url.path).dictionaryValue else {
            throw CheckpointError.invalidConfiguration(file: url.path, field: "(root)", reason: "expected a JSON object")
        }
        let file = url.path
        func stage(_ stage: BarkStage) throws -> BarkTransformerConfiguration {
            let key = stage.configurationKey
            guard let value = root[key] else {
                throw CheckpointError.invalidConfiguration(file: file, field: key, reason: "missing; is this a BarkModel config.json?")
            }
            guard let fields = value.dictionaryValue else {
                throw CheckpointError.invalidConfiguration(file: file, field: key, reason: "expected a JSON object")
            }
            return try huggingFace(fields, stage: stage, file: file, prefix: key + ".")
        }
        var codec: [String: CheckpointValue]?
        if let value = root["codec_config"], value != .null {
            guard let fields = value.dictionaryValue else {
                throw CheckpointError.invalidConfiguration(file: file, field: "codec_config", reason: "expected a JSON object")
            }
            codec = fields
        }
        return BarkConfiguration(semantic: try stage(.semantic), coarse: try stage(.coarse),
                                 fine: try stage(.fine), codec: codec)
    }

    /// Reads one stage's HF sub-configuration (the object under `semantic_config` etc., or a
    /// stand-alone `BarkSemanticConfig` `config.json`).
    public static func huggingFace(_ fields: [String: CheckpointValue], stage: BarkStage,
                                   file: String, prefix: String = "") throws -> BarkTransformerConfiguration {
        let reader = ConfigurationFieldReader(fields: fields, file: file, prefix: prefix)
        // Defaults are transformers' BarkSubModelConfig / BarkFineConfig class defaults.
        let configuration = BarkTransformerConfiguration(
            stage: stage,
            blockSize: try reader.int("block_size", default: 1024),
            inputVocabularySize: try reader.int("input_vocab_size", default: 10_048),
            outputVocabularySize: try reader.int("output_vocab_size", default: 10_048),
            layers: try reader.int("num_layers", default: 12),
            heads: try reader.int("num_heads", default: 12),
            hiddenSize: try reader.int("hidden_size", default: 768),
            bias: try reader.bool("bias", default: true),
            codebooksTotal: try reader.int("n_codes_total", default: 8),
            codebooksGiven: try reader.int("n_codes_given", default: 1),
            tiesOutputEmbeddings: try reader.bool("tie_word_embeddings", default: true))
        try configuration.validate(file: file, prefix: prefix)
        return configuration
    }

    /// Reads Suno's `model_args` (`GPTConfig`/`FineGPTConfig` fields: `n_layer`, `n_head`, `n_embd`,
    /// `block_size`, `bias`, `input_vocab_size`, `output_vocab_size` or the older `vocab_size`,
    /// `n_codes_total`, `n_codes_given`). Suno's fine heads are always tied.
    public static func suno(_ fields: [String: CheckpointValue], stage: BarkStage,
                            file: String) throws -> BarkTransformerConfiguration {
        let reader = ConfigurationFieldReader(fields: fields, file: file, prefix: "model_args.")
        let legacyVocabulary = try reader.optionalInt("vocab_size")
        func vocabulary(_ name: String) throws -> Int {
            if let value = try reader.optionalInt(name) { return value }
            if let legacyVocabulary { return legacyVocabulary }
            throw CheckpointError.invalidConfiguration(file: file, field: "model_args." + name, reason: "missing (and no vocab_size)")
        }
        let configuration = BarkTransformerConfiguration(
            stage: stage,
            blockSize: try reader.int("block_size"),
            inputVocabularySize: try vocabulary("input_vocab_size"),
            outputVocabularySize: try vocabulary("output_vocab_size"),
            layers: try reader.int("n_layer"),
            heads: try reader.int("n_head"),
            hiddenSize: try reader.int("n_embd"),
            bias: try reader.bool("bias", default: true),
            codebooksTotal: try reader.int("n_codes_total", default: 8),
            codebooksGiven: try reader.int("n_codes_given", default: 1),
            tiesOutputEmbeddings: true)
        try configuration.validate(file: file, prefix: "model_args.")
        return configuration
    }
}
