import CKernels

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
    /// Mean and variance are accumulated in `Double` for accuracy; rows are split over `pool`.
    public func apply(_ input: [Float], rows: Int, into output: inout [Float], path: KernelPath = .active,
                      pool: ThreadPool? = .shared) {
        let width = features
        precondition(input.count >= rows * width && output.count >= rows * width, "LayerNorm: \(rows)×\(width) exceeds arrays")
        guard rows > 0, width > 0 else { return }
        input.withUnsafeBufferPointer { x in
            weight.scalars.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    if let bias {
                        bias.scalars.withUnsafeBufferPointer { b in
                            ck_layer_norm(path.code, pool?.handle, x.baseAddress, y.baseAddress, Int32(rows), Int32(width),
                                          w.baseAddress, b.baseAddress, epsilon)
                        }
                    } else {
                        ck_layer_norm(path.code, pool?.handle, x.baseAddress, y.baseAddress, Int32(rows), Int32(width),
                                      w.baseAddress, nil, epsilon)
                    }
                }
            }
        }
    }

    /// Convenience over a tensor whose last dimension is `features`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == features, "LayerNorm input \(input.shape), features \(features)")
        var out = [Float](repeating: 0, count: input.count)
        apply(input.scalars, rows: input.count / max(features, 1), into: &out)
        return Tensor(shape: input.shape, scalars: out)
    }
}
