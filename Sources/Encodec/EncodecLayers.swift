import Tensors

// Port of the layer classes of transformers/models/encodec/modeling_encodec.py
// (EncodecConv1d, EncodecConvTranspose1d, EncodecLSTM, EncodecResnetBlock), on time-major
// signals `[time, channels]`. All are immutable and Sendable.

/// `EncodecConv1d`: a convolution with causal or centred padding plus the extra right padding that
/// makes the last window complete (`_get_extra_padding_for_conv1d`).
struct EncodecConv: Sendable {
    let conv: Conv1d
    let causal: Bool
    let padMode: TimePadding.Mode

    /// `effectiveKernelSize − stride`.
    var paddingTotal: Int { conv.effectiveKernelSize - conv.stride }
    /// Left/right padding before the extra right padding.
    var padding: (left: Int, right: Int) {
        causal ? (paddingTotal, 0) : (paddingTotal - paddingTotal / 2, paddingTotal / 2)
    }

    /// Whole-sequence forward: `[L, in]` → `[ceil(L / stride), out]`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let length = x.timeLength, stride = conv.stride
        let extra = (length + stride - 1) / stride * stride - length
        let (left, right) = padding
        return conv(Self.pad(x, left: left, right: right + extra, mode: padMode))
    }

    /// `EncodecConv1d._pad1d`: like `TimePadding.pad`, except that reflect padding of a signal no
    /// longer than the padding first zero-extends it on the right (and drops that extension after).
    static func pad(_ x: Tensor, left: Int, right: Int, mode: TimePadding.Mode) -> Tensor {
        let length = x.timeLength, maxPad = max(left, right)
        guard mode == .reflect, length <= maxPad else { return TimePadding.pad(x, left: left, right: right, mode: mode) }
        let extra = maxPad - length + 1
        let extended = TimePadding.pad(x, left: 0, right: extra, mode: .constant)
        let padded = TimePadding.pad(extended, left: left, right: right, mode: .reflect)
        return padded.timeSlice(0..<(padded.timeLength - extra))
    }
}

/// `EncodecConvTranspose1d`: a transposed convolution trimmed by `kernel − stride` samples,
/// `ceil(total · trimRightRatio)` of them on the right when causal, half (rounded down) otherwise.
struct EncodecTransposedConv: Sendable {
    let conv: ConvTranspose1d
    let causal: Bool
    let trimRightRatio: Double

    var paddingTotal: Int { conv.kernelSize - conv.stride }
    var trim: (left: Int, right: Int) {
        let right = causal ? Int((Double(paddingTotal) * trimRightRatio).rounded(.up)) : paddingTotal / 2
        return (paddingTotal - right, right)
    }

    /// Whole-sequence forward: `[L, in]` → `[L · stride, out]`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let y = conv(x)
        let (left, right) = trim
        return y.timeSlice(left..<max(left, y.timeLength - right))
    }
}

/// `EncodecLSTM`: an LSTM over time plus a residual connection.
struct EncodecLSTMLayer: Sendable {
    let lstm: LSTM

    func callAsFunction(_ x: Tensor, state: inout LSTM.State) -> Tensor {
        lstm(x, state: &state).adding(x)
    }
}

/// `EncodecResnetBlock`: `shortcut(x) + conv₂(ELU(conv₁(ELU(x))))`, the shortcut a 1×1 conv or identity.
struct EncodecResidualBlock: Sendable {
    /// `block.1` (residual kernel, dilated, dim → dim / compress) and `block.3` (1×1, back to dim).
    let convs: [EncodecConv]
    let shortcut: EncodecConv?

    func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        for conv in convs { y = conv(y.elu()) }
        return (shortcut.map { $0(x) } ?? x).adding(y)
    }
}

/// One entry of a SEANet layer list (`encoder.layers` / `decoder.layers`).
enum SEANetLayer: Sendable {
    case conv(EncodecConv)
    case transposedConv(EncodecTransposedConv)
    case residual(EncodecResidualBlock)
    case lstm(EncodecLSTMLayer)
    case elu

    /// Whole-sequence forward (LSTM from the zero state).
    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case let .conv(layer): return layer(x)
        case let .transposedConv(layer): return layer(x)
        case let .residual(layer): return layer(x)
        case let .lstm(layer):
            var state = layer.lstm.initialState()
            return layer(x, state: &state)
        case .elu: return x.elu()
        }
    }
}
