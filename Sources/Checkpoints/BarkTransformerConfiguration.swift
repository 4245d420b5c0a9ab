/// Shape and options of one Bark transformer stage: HF `BarkSemanticConfig`,
/// `BarkCoarseConfig` or `BarkFineConfig`, or Suno's `GPTConfig`/`FineGPTConfig` (`model_args`).
public struct BarkTransformerConfiguration: Sendable, Equatable {
    public var stage: BarkStage
    /// Maximum sequence length (learned position table size). HF `block_size`.
    public var blockSize: Int
    /// Rows of each input embedding table. HF `input_vocab_size`.
    public var inputVocabularySize: Int
    /// Logits per position. HF `output_vocab_size`.
    public var outputVocabularySize: Int
    /// HF `num_layers`, Suno `n_layer`.
    public var layers: Int
    /// HF `num_heads`, Suno `n_head`.
    public var heads: Int
    /// HF `hidden_size`, Suno `n_embd`.
    public var hiddenSize: Int
    /// Whether linear layers (and, in causal stages, LayerNorms) carry biases. HF `bias`.
    public var bias: Bool
    /// Fine stage: number of EnCodec codebooks (`n_codes_total`), 8 for Bark.
    public var codebooksTotal: Int
    /// Fine stage: codebooks given by the coarse stage (`n_codes_given`), 1 for Bark.
    public var codebooksGiven: Int
    /// Fine stage: `lm_heads.i` shares weights with `input_embeds_layers.(i+1)` (`tie_word_embeddings`).
    public var tiesOutputEmbeddings: Bool

    public init(stage: BarkStage, blockSize: Int, inputVocabularySize: Int, outputVocabularySize: Int,
                layers: Int, heads: Int, hiddenSize: Int, bias: Bool,
                codebooksTotal: Int = 8, codebooksGiven: Int = 1, tiesOutputEmbeddings: Bool = true) {
        self.stage = stage
        self.blockSize = blockSize
        self.inputVocabularySize = inputVocabularySize
        self.outputVocabularySize = outputVocabularySize
        self.layers = layers
        self.heads = heads
        self.hiddenSize = hiddenSize
        self.bias = bias
        self.codebooksTotal = codebooksTotal
        self.codebooksGiven = codebooksGiven
        self.tiesOutputEmbeddings = tiesOutputEmbeddings
    }

    /// `hiddenSize / heads`.
    public var headDimension: Int { hiddenSize / max(heads, 1) }

    /// Number of output heads of the fine stage (`codebooksTotal − codebooksGiven`); 1 otherwise.
    public var outputHeads: Int { stage == .fine ? codebooksTotal - codebooksGiven : 1 }

    /// Checks that the numbers describe a model that can exist; `file` and `prefix` name the source
    /// in errors (e.g. `config.json`, `semantic_config.`).
    public func validate(file: String, prefix: String) throws {
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CheckpointError.invalidConfiguration(file: file, field: prefix + field, reason: reason) }
        }
        let limit = 1 << 20
        try require(blockSize > 0 && blockSize <= limit, "block_size", "must be in 1...\(limit), got \(blockSize)")
        try require(inputVocabularySize > 0 && inputVocabularySize <= 1 << 24, "input_vocab_size", "must be in 1...\(1 << 24), got \(inputVocabularySize)")
        try require(outputVocabularySize > 0 && outputVocabularySize <= 1 << 24, "output_vocab_size", "must be in 1...\(1 << 24), got \(outputVocabularySize)")
        try require(layers > 0 && layers <= 1024, "num_layers", "must be in 1...1024, got \(layers)")
        try require(heads > 0 && heads <= 1024, "num_heads", "must be in 1...1024, got \(heads)")
        try require(hiddenSize > 0 && hiddenSize <= 1 << 16, "hidden_size", "must be in 1...65536, got \(hiddenSize)")
        try require(hiddenSize % heads == 0, "hidden_size", "\(hiddenSize) is not divisible by num_heads \(heads)")
        if stage == .fine {
            try require(codebooksTotal > 0 && codebooksTotal <= 64, "n_codes_total", "must be in 1...64, got \(codebooksTotal)")
            try require(codebooksGiven > 0 && codebooksGiven < codebooksTotal, "n_codes_given",
                        "must be in 1..<n_codes_total (\(codebooksTotal)), got \(codebooksGiven)")
        }
    }
}
