/// A fully connected layer in PyTorch's layout: `y = x · Wᵀ + b`, with `W` stored `[out, in]`.
///
/// Immutable and `Sendable`: one instance may serve any number of threads at once.
public struct Linear: Sendable {
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, or nil for a layer without bias.
    public let bias: Tensor?

    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear weight must be rank 2, got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Linear bias \(bias.shape) for weight \(weight.shape)") }
        self.weight = weight
        self.bias = bias
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// Applies the layer to `rows` input rows (`input[rows, in]`), writing `output[rows, out]`, or
    /// adding to it when `accumulate` (a fused residual add). Allocates nothing.
    /// - Precondition: the arrays hold at least that many elements.
    public func apply(_ input: [Float], rows: Int, into output: inout [Float], accumulate: Bool = false) {
        MatrixMultiply.multiplyTransposed(input, weight.scalars, into: &output,
                                          m: rows, n: outFeatures, k: inFeatures, accumulate: accumulate)
        if let bias { Elementwise.addRowVector(bias.scalars, to: &output, rows: rows) }
    }

    /// Convenience: applies the layer to a `[rows, in]` tensor and returns `[rows, out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == inFeatures, "Linear input \(input.shape), weight \(weight.shape)")
        var out = [Float](repeating: 0, count: input.shape[0] * outFeatures)
        apply(input.scalars, rows: input.shape[0], into: &out)
        return Tensor(shape: [input.shape[0], outFeatures], scalars: out)
    }
}
