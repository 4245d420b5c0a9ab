/// A 1-D transposed convolution in PyTorch's `nn.ConvTranspose1d` weight layout (`groups = 1`,
/// no padding, no output padding, dilation 1), on **time-major** signals.
///
/// `y[t·stride + j, o] += Σ_c x[t, c] · W[c, o, j]`, then `+ b[o]`; an input of `L` samples gives
/// `(L − 1)·stride + kernelSize` samples. Runs as one SGEMM (`x · W` → per-frame contributions) and
/// an overlap-add. `contributions(_:)` exposes the pre-overlap form for streaming.
///
/// Immutable and `Sendable`: one instance may serve any number of threads at once.
public struct ConvTranspose1d: Sendable {
    /// `[inChannels, outChannels, kernelSize]`.
    public let weight: Tensor
    /// `[outChannels]`, or nil.
    public let bias: Tensor?
    /// Output samples per input sample (≥ 1).
    public let stride: Int

    public init(weight: Tensor, bias: Tensor? = nil, stride: Int) {
        precondition(weight.rank == 3 && weight.shape[2] >= 1, "ConvTranspose1d weight must be [in, out, k], got \(weight.shape)")
        precondition(stride >= 1, "ConvTranspose1d stride \(stride) must be ≥ 1")
        if let bias { precondition(bias.shape == [weight.shape[1]], "ConvTranspose1d bias \(bias.shape) for weight \(weight.shape)") }
        self.weight = weight
        self.bias = bias
        self.stride = stride
    }

    public var inChannels: Int { weight.shape[0] }
    public var outChannels: Int { weight.shape[1] }
    public var kernelSize: Int { weight.shape[2] }

    /// `[time, outChannels · kernelSize]`: row `t` holds input sample `t`'s contribution to output
    /// samples `t·stride ..< t·stride + kernelSize`, laid out `[o, j]` (no bias).
    public func contributions(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == inChannels, "ConvTranspose1d input \(input.shape), weight \(weight.shape)")
        let length = input.shape[0], width = outChannels * kernelSize
        var z = [Float](repeating: 0, count: length * width)
        MatrixMultiply.multiply(input.scalars, weight.scalars, into: &z, m: length, n: width, k: inChannels)
        return Tensor(shape: [length, width], scalars: z)
    }

    /// Overlap-adds `contributions` (from `contributions(_:)`) into `output[time, outChannels]`,
    /// row `t` starting at output sample `t·stride + offset`. Rows falling outside are dropped.
    public func overlapAdd(_ contributions: Tensor, into output: inout [Float], outputLength: Int, offset: Int) {
        let length = contributions.shape[0], outC = outChannels, k = kernelSize
        precondition(contributions.shape == [length, outC * k] && output.count >= outputLength * outC,
                     "overlapAdd \(contributions.shape) into \(output.count)")
        contributions.scalars.withUnsafeBufferPointer { z in
            output.withUnsafeMutableBufferPointer { y in
                for t in 0..<length {
                    let start = t * stride + offset
                    for j in 0..<k {
                        let position = start + j
                        if position < 0 || position >= outputLength { continue }
                        for o in 0..<outC { y[position * outC + o] += z[t * outC * k + o * k + j] }
                    }
                }
            }
        }
    }

    /// Full transposed convolution of `input[time, inChannels]` → `[(time − 1)·stride + k, outChannels]`
    /// (`[0, outChannels]` for an empty input).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let length = input.shape[0]
        let outLength = length == 0 ? 0 : (length - 1) * stride + kernelSize
        var output = [Float](repeating: 0, count: outLength * outChannels)
        overlapAdd(contributions(input), into: &output, outputLength: outLength, offset: 0)
        if let bias { Elementwise.addRowVector(bias.scalars, to: &output, rows: outLength) }
        return Tensor(shape: [outLength, outChannels], scalars: output)
    }
}
