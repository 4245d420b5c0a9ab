/// Layer normalisation over the last dimension, as PyTorch's `nn.LayerNorm(normalized_shape, eps, bias)`:
/// `y = (x − mean) / √(var + eps) · weight (+ bias)`, with the biased (population) variance.
///
/// Immutable and `Sendable`.
public struct LayerNorm: Sendable {
    /// `[features]`.
    public let weight: Tensor
    /// `[features]`, or nil (Bark's causal models with `bias=false`).
    public let bias: Tensor?
    public let epsilon: Float

    public init(weight: Tensor, bias: Tensor? = nil, epsilon: Float = 1e-5) {
        precondition(weight.rank == 1, "LayerNorm weight must be rank 1, got \(weight.shape)")
        if let bias { precondition(bias.shape == weight.shape, "LayerNorm bias \(bias.shape) vs weight \(weight.shape)") }
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    public var features: Int { weight.shape[0] }

    /// Normalises `rows` rows of `input[rows, features]` into `output`. Allocates nothing.
    /// Mean and variance are accumulated in `Double` for accuracy.
    public func apply(_ input: [Float], rows: Int, into output: inout [Float]) {
        let width = features
        precondition(input.count >= rows * width && output.count >= rows * width, "LayerNorm: \(rows)×\(width) exceeds arrays")
        input.withUnsafeBufferPointer { x in
            weight.scalars.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    for r in 0..<rows {
                        let base = r * width
                        var sum: Double = 0
                        for c in 0..<width { sum += Double(x[base + c]) }
                        let mean = sum / Double(width)
                        var squares: Double = 0
                        for c in 0..<width {
                            let d = Double(x[base + c]) - mean
                            squares += d * d
                        }
                        let inverse = Float(1 / (squares / Double(width) + Double(epsilon)).squareRoot())
                        let meanF = Float(mean)
                        for c in 0..<width { y[base + c] = (x[base + c] - meanF) * inverse * w[c] }
                    }
                }
            }
        }
        if let bias { Elementwise.addRowVector(bias.scalars, to: &output, rows: rows) }
    }

    /// Convenience over a tensor whose last dimension is `features`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == features, "LayerNorm input \(input.shape), features \(features)")
        var out = [Float](repeating: 0, count: input.count)
        apply(input.scalars, rows: input.count / max(features, 1), into: &out)
        return Tensor(shape: input.shape, scalars: out)
    }
}
