/// A 1-D convolution in PyTorch's `nn.Conv1d` weight layout (`groups = 1`), applied to
/// **time-major** signals: input `[time, inChannels]`, output `[time', outChannels]`.
///
/// The kernel itself is "valid" (no padding): pad first with `TimePadding` (causal, centred,
/// reflect …) or call `callAsFunction(_:padLeft:padRight:mode:)`. It runs as im2col + one SGEMM:
/// `y[t, o] = b[o] + Σ_{c,j} W[o, c, j] · x[t·stride + j·dilation, c]`.
///
/// Immutable and `Sendable`: one instance may serve any number of threads at once.
public struct Conv1d: Sendable {
    /// `[outChannels, inChannels, kernelSize]`.
    public let weight: Tensor
    /// `[outChannels]`, or nil.
    public let bias: Tensor?
    /// Step between output positions, in input samples (≥ 1).
    public let stride: Int
    /// Spacing between kernel taps, in input samples (≥ 1).
    public let dilation: Int

    public init(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, dilation: Int = 1) {
        precondition(weight.rank == 3 && weight.shape[2] >= 1, "Conv1d weight must be [out, in, k], got \(weight.shape)")
        precondition(stride >= 1 && dilation >= 1, "Conv1d stride \(stride) / dilation \(dilation) must be ≥ 1")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Conv1d bias \(bias.shape) for weight \(weight.shape)") }
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.dilation = dilation
    }

    public var outChannels: Int { weight.shape[0] }
    public var inChannels: Int { weight.shape[1] }
    public var kernelSize: Int { weight.shape[2] }
    /// Span of the kernel in input samples: `(kernelSize − 1) · dilation + 1`.
    public var effectiveKernelSize: Int { (kernelSize - 1) * dilation + 1 }

    /// Output length for an (already padded) input of `length` samples; 0 when shorter than the kernel.
    public func outputLength(forInputLength length: Int) -> Int {
        length < effectiveKernelSize ? 0 : (length - effectiveKernelSize) / stride + 1
    }

    /// Valid convolution of `input[time, inChannels]` → `[outputLength(time), outChannels]`.
    /// Allocates the im2col matrix (`time' × inChannels·kernelSize`) and the output.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == inChannels, "Conv1d input \(input.shape), weight \(weight.shape)")
        let length = input.shape[0]
        let outLength = outputLength(forInputLength: length)
        let inC = inChannels, k = kernelSize, width = inC * k
        var columns = [Float](repeating: 0, count: outLength * width)
        input.scalars.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { col in
                for t in 0..<outLength {
                    let rowBase = t * width
                    let start = t * stride
                    for j in 0..<k {
                        let sourceBase = (start + j * dilation) * inC
                        for c in 0..<inC { col[rowBase + c * k + j] = x[sourceBase + c] }
                    }
                }
            }
        }
        var output = [Float](repeating: 0, count: outLength * outChannels)
        MatrixMultiply.multiplyTransposed(columns, weight.scalars, into: &output, m: outLength, n: outChannels, k: width)
        if let bias { Elementwise.addRowVector(bias.scalars, to: &output, rows: outLength) }
        return Tensor(shape: [outLength, outChannels], scalars: output)
    }

    /// Pads `input[time, inChannels]` with `padLeft`/`padRight` samples in `mode`, then convolves.
    public func callAsFunction(_ input: Tensor, padLeft: Int, padRight: Int, mode: TimePadding.Mode) -> Tensor {
        self(TimePadding.pad(input, left: padLeft, right: padRight, mode: mode))
    }
}
