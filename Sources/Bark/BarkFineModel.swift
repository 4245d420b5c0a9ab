import Checkpoints
import Tensors

/// Bark's non-causal fine model. Port of transformers' `BarkFineModel` and Suno's `FineGPT`
/// (`bark/model_fine.py`).
///
/// To predict codebook `k`, the input of each position is the sum of the embeddings of codebooks
/// `0 … k` **including** `k` itself (its pad value or what was already written), plus the learned
/// position; attention is full (no mask); the output head is `lm_heads[k − codebooksGiven]`. When the
/// file lacks `lm_heads.i`, it is tied to `input_embeds_layers.(i+1)` as in transformers.
///
/// Immutable and `Sendable`.
public struct BarkFineModel: Sendable {
    public let configuration: BarkTransformerConfiguration
    let inputEmbeddings: [Embedding]
    let positionEmbedding: Embedding
    let blocks: [TransformerBlock]
    let finalLayerNorm: LayerNorm
    let lmHeads: [Linear]

    /// Loads the stage's weights. `weightFormat` converts every linear layer (attention, MLP,
    /// `lm_heads`, tied ones included) at load time; embeddings and LayerNorms stay f32.
    /// `prequantized` matrices (a weight cache), when listed, are taken instead of quantizing.
    public init(configuration: BarkTransformerConfiguration, tensors: StageTensors, weightFormat: WeightFormat = .f32,
                prequantized: PrequantizedWeights? = nil) throws {
        precondition(configuration.stage == .fine, "BarkFineModel is for the fine stage")
        let h = configuration.hiddenSize
        let vocabulary = configuration.inputVocabularySize
        self.configuration = configuration
        let embeddings = try (0..<configuration.codebooksTotal).map {
            Embedding(table: try tensors.tensor("input_embeds_layers.\($0).weight", shape: [vocabulary, h]))
        }
        inputEmbeddings = embeddings
        positionEmbedding = Embedding(table: try tensors.tensor("position_embeds_layer.weight", shape: [configuration.blockSize, h]))
        blocks = try (0..<configuration.layers).map {
            try TransformerBlock(tensors: tensors, index: $0, configuration: configuration, layerNormBias: true,
                                 weightFormat: weightFormat, prequantized: prequantized)
        }
        finalLayerNorm = LayerNorm(weight: try tensors.tensor("layernorm_final.weight", shape: [h]),
                                   bias: try tensors.tensor("layernorm_final.bias", shape: [h]))
        let headShape = [configuration.outputVocabularySize, h]
        lmHeads = try (0..<configuration.outputHeads).map { i in
            if let prequantized, prequantized.format == weightFormat,
               let matrix = try prequantized.matrix(.fine, "lm_heads.\(i).weight", shape: headShape) {
                return Linear(quantized: matrix, bias: nil)
            }
            if let head = try tensors.optionalTensor("lm_heads.\(i).weight", shape: headShape) {
                return Linear(weight: head, format: weightFormat)
            }
            // Tied to the next codebook's input table (transformers' `_tied_weights_keys`).
            guard configuration.tiesOutputEmbeddings, i + 1 < configuration.codebooksTotal else {
                throw CheckpointError.missingTensor(file: tensors.file, tensor: BarkStage.fine.checkpointPrefix + "lm_heads.\(i).weight")
            }
            guard headShape == [vocabulary, h] else {
                throw CheckpointError.shapeMismatch(file: tensors.file, tensor: "input_embeds_layers.\(i + 1).weight (tied to lm_heads.\(i))",
                                                    expected: headShape, actual: [vocabulary, h])
            }
            return Linear(weight: embeddings[i + 1].table, format: weightFormat)
        }
    }

    /// Codebooks the model can predict: `codebooksGiven ..< codebooksTotal`.
    public var predictableCodebooks: Range<Int> { configuration.codebooksGiven..<configuration.codebooksTotal }

    /// Logits for codebook `codebook` at every position.
    ///
    /// - Parameter codes: `[positions, codebooksTotal]` row-major token ids (position-major, as
    ///   transformers' `input_ids[0]`); only codebooks `0 … codebook` are read.
    /// - Returns: `[positions, outputVocabularySize]`.
    public func logits(codes: [Int], positions: Int, codebook: Int) throws -> Tensor {
        var workspace = TransformerWorkspace()
        try forward(codes: codes, positions: positions, codebook: codebook, workspace: &workspace)
        return Tensor(shape: [positions, workspace.logitWidth],
                      scalars: Array(workspace.logits.prefix(positions * workspace.logitWidth)))
    }

    /// Like `logits(codes:positions:codebook:)`, writing into `workspace.logits` (no allocation once
    /// the workspace has grown to this size).
    public func forward(codes: [Int], positions: Int, codebook: Int, workspace w: inout TransformerWorkspace) throws {
        let total = configuration.codebooksTotal
        guard predictableCodebooks.contains(codebook) else {
            throw BarkError.invalidCodebook(index: codebook, valid: predictableCodebooks)
        }
        guard positions > 0, codes.count == positions * total else {
            throw BarkError.invalidInput(stage: .fine, reason: "codes must hold positions × \(total) = \(positions * total) ids, got \(codes.count)")
        }
        guard positions <= configuration.blockSize else {
            throw BarkError.sequenceTooLong(stage: .fine, length: positions, limit: configuration.blockSize)
        }
        let vocabulary = configuration.inputVocabularySize
        for p in 0..<positions {
            for k in 0...codebook where codes[p * total + k] < 0 || codes[p * total + k] >= vocabulary {
                throw BarkError.tokenOutOfRange(stage: .fine, position: p, codebook: k,
                                                token: codes[p * total + k], vocabularySize: vocabulary)
            }
        }
        let h = configuration.hiddenSize
        w.reserve(rows: positions, keys: positions, heads: configuration.heads, hidden: h, logitRows: positions, vocabulary: configuration.outputVocabularySize)
        embed(codes: codes, positions: positions, codebook: codebook, into: &w.hidden)
        for block in blocks { block.apply(rows: positions, workspace: &w, causal: false) }
        finalLayerNorm.apply(w.hidden, rows: positions, into: &w.normed)
        lmHeads[codebook - configuration.codebooksGiven].apply(w.normed, rows: positions, into: &w.logits)
        w.logitRows = positions
        w.logitWidth = configuration.outputVocabularySize
    }

    /// `hidden[p] = position[p] + Σ_{k ≤ codebook} E_k(codes[p, k])`.
    private func embed(codes: [Int], positions: Int, codebook: Int, into hidden: inout [Float]) {
        let h = configuration.hiddenSize, total = configuration.codebooksTotal
        hidden.withUnsafeMutableBufferPointer { out in
            positionEmbedding.table.scalars.withUnsafeBufferPointer { table in
                for i in 0..<(positions * h) { out[i] = table[i] }
            }
            for k in 0...codebook {
                inputEmbeddings[k].table.scalars.withUnsafeBufferPointer { table in
                    for p in 0..<positions {
                        let src = codes[p * total + k] * h, dst = p * h
                        for c in 0..<h { out[dst + c] += table[src + c] }
                    }
                }
            }
        }
    }
}
