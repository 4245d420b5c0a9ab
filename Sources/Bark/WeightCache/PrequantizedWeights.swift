import Checkpoints
import Tensors

/// Linear-layer weights already quantized (read from a weight cache), by full checkpoint name
/// (`semantic.layers.0.attn.att_proj.weight`, `fine.lm_heads.0.weight`, …). A model built with them
/// takes each listed matrix as is and reads the f32 checkpoint tensor only for names not listed.
///
/// Immutable and `Sendable`.
public struct PrequantizedWeights: Sendable {
    /// Where the matrices came from, for messages.
    public let file: String
    /// The format of every matrix.
    public let format: WeightFormat
    /// Full checkpoint name → matrix.
    public let matrices: [String: QuantizedMatrix]

    public init(file: String, format: WeightFormat, matrices: [String: QuantizedMatrix]) {
        self.file = file
        self.format = format
        self.matrices = matrices
    }

    /// The matrix for stage-local `local` of `stage` when listed, checked to be `shape`
    /// (`[out, in]`). Throws `CheckpointError.shapeMismatch` naming the cache file otherwise.
    func matrix(_ stage: BarkStage, _ local: String, shape: [Int]) throws -> QuantizedMatrix? {
        let name = stage.checkpointPrefix + local
        guard let matrix = matrices[name] else { return nil }
        guard [matrix.rows, matrix.columns] == shape else {
            throw CheckpointError.shapeMismatch(file: file, tensor: name, expected: shape, actual: [matrix.rows, matrix.columns])
        }
        return matrix
    }

    /// A linear layer from the listed matrix when there is one for `weightFormat`, else from the
    /// f32 checkpoint tensor quantized now.
    static func linear(_ prequantized: PrequantizedWeights?, tensors: StageTensors, local: String, shape: [Int],
                       bias: Tensor?, weightFormat: WeightFormat) throws -> Linear {
        if let prequantized, prequantized.format == weightFormat,
           let matrix = try prequantized.matrix(tensors.stage, local, shape: shape) {
            return Linear(quantized: matrix, bias: bias)
        }
        return Linear(weight: try tensors.tensor(local, shape: shape), bias: bias, format: weightFormat)
    }
}
