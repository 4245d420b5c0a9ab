/// The weight matrix of a `Linear` layer: the checkpoint's f32 values (multiplied with OpenBLAS),
/// or a reduced format multiplied by the quantized kernels.
public enum LinearWeights: Sendable {
    case f32(Tensor)
    case quantized(QuantizedMatrix)

    /// Converts an f32 `[out, in]` weight to `format` (`.f32` keeps it as is).
    public init(_ weight: Tensor, format: WeightFormat) {
        self = format == .f32 ? .f32(weight) : .quantized(QuantizedMatrix(weight, format: format))
    }

    public var format: WeightFormat {
        switch self {
        case .f32: .f32
        case .quantized(let q): q.format
        }
    }

    /// `[out, in]`.
    public var shape: [Int] {
        switch self {
        case .f32(let w): w.shape
        case .quantized(let q): [q.rows, q.columns]
        }
    }

    /// Output features (rows of `[out, in]`), without building a `shape` array (decoding steps
    /// must not allocate).
    public var outFeatures: Int {
        switch self {
        case .f32(let w): w.shape[0]
        case .quantized(let q): q.rows
        }
    }

    /// Input features (columns of `[out, in]`).
    public var inFeatures: Int {
        switch self {
        case .f32(let w): w.shape[1]
        case .quantized(let q): q.columns
        }
    }

    /// Bytes of weight storage (scales included).
    public var byteCount: Int {
        switch self {
        case .f32(let w): w.scalars.count * 4
        case .quantized(let q): q.byteCount
        }
    }
}

/// A fully connected layer in PyTorch's layout: `y = x · Wᵀ + b`, with `W` stored `[out, in]`.
///
/// Immutable and `Sendable`: one instance may serve any number of threads at once.
public struct Linear: Sendable {
    /// `[outFeatures, inFeatures]`, f32 or quantized.
    public let weights: LinearWeights
    /// `[outFeatures]`, or nil for a layer without bias.
    public let bias: Tensor?

    /// An f32 layer (the reference path: OpenBLAS).
    public init(weight: Tensor, bias: Tensor? = nil) {
        self.init(weight: weight, bias: bias, format: .f32)
    }

    /// A layer whose f32 `weight` is converted to `format` now (load-time quantization); the bias
    /// stays f32.
    public init(weight: Tensor, bias: Tensor? = nil, format: WeightFormat) {
        precondition(weight.rank == 2, "Linear weight must be rank 2, got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Linear bias \(bias.shape) for weight \(weight.shape)") }
        self.weights = LinearWeights(weight, format: format)
        self.bias = bias
    }

    /// The weight as f32 `[out, in]`: the stored tensor, or the dequantized values (allocates).
    public var weight: Tensor {
        switch weights {
        case .f32(let w): w
        case .quantized(let q): q.dequantized()
        }
    }

    public var format: WeightFormat { weights.format }
    public var inFeatures: Int { weights.inFeatures }
    public var outFeatures: Int { weights.outFeatures }

    /// Applies the layer to `rows` input rows (`input[rows, in]`), writing `output[rows, out]`, or
    /// adding to it when `accumulate` (a fused residual add). Allocates nothing for f32 weights or
    /// one input row; a quantized multi-row product allocates one weight panel.
    /// - Precondition: the arrays hold at least that many elements.
    public func apply(_ input: [Float], rows: Int, into output: inout [Float], accumulate: Bool = false) {
        switch weights {
        case .f32(let weight):
            MatrixMultiply.multiplyTransposed(input, weight.scalars, into: &output,
                                              m: rows, n: outFeatures, k: inFeatures, accumulate: accumulate)
            if let bias { Elementwise.addRowVector(bias.scalars, to: &output, rows: rows) }
        case .quantized(let matrix):
            matrix.multiplyTransposed(input, rows: rows, into: &output, bias: bias?.scalars, accumulate: accumulate)
        }
    }

    /// Applies the layer to one input row (`input[in]`) for the output features in `outputs` alone,
    /// writing `output[outputs]` and leaving the rest of `output` as it was: a sampler that may
    /// only pick from a range of the vocabulary needs no other logits. Quantized weights give bit
    /// for bit the values of `apply(_:rows:into:)` (each output is its own dot product of the same
    /// quantized input); f32 weights agree to OpenBLAS's rounding. Allocates nothing.
    /// - Precondition: `input.count ≥ inFeatures`, `output.count ≥ outFeatures`, `outputs` within
    ///   `0 ..< outFeatures`.
    public func apply(_ input: [Float], outputs: Range<Int>, into output: inout [Float]) {
        let k = inFeatures
        precondition(input.count >= k && output.count >= outFeatures && outputs.lowerBound >= 0 && outputs.upperBound <= outFeatures,
                     "Linear outputs \(outputs) of \(outFeatures), counts \(input.count) \(output.count)")
        if outputs.isEmpty { return }
        let first = outputs.lowerBound
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
                switch weights {
                case .f32(let weight):
                    weight.scalars.withUnsafeBufferPointer { w in
                        guard let wp = w.baseAddress else { return }
                        MatrixMultiply.multiplyTransposed(xp, lda: k, wp + first * k, ldb: k, into: yp + first, ldc: outputs.count,
                                                          m: 1, n: outputs.count, k: k, alpha: 1, beta: 0)
                    }
                    if let bias { for i in outputs { yp[i] += bias.scalars[i] } }
                case .quantized(let matrix):
                    if let bias {
                        bias.scalars.withUnsafeBufferPointer {
                            matrix.gemv(xp, outputs: outputs, bias: $0.baseAddress, into: yp + first, accumulate: false)
                        }
                    } else {
                        matrix.gemv(xp, outputs: outputs, bias: nil, into: yp + first, accumulate: false)
                    }
                }
            }
        }
    }

    /// Convenience: applies the layer to a `[rows, in]` tensor and returns `[rows, out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == inFeatures, "Linear input \(input.shape), weight \(weights.shape)")
        var out = [Float](repeating: 0, count: input.shape[0] * outFeatures)
        apply(input.scalars, rows: input.shape[0], into: &out)
        return Tensor(shape: [input.shape[0], outFeatures], scalars: out)
    }
}
