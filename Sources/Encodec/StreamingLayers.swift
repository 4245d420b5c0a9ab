import Tensors

// Streaming counterparts of the decoder layers. Each takes new input samples (time-major) and
// returns every output sample that is now final; `finish()` flushes what only the end of the
// stream determines. Concatenated outputs equal the whole-sequence layer on the concatenated input.

/// A stride-1 `EncodecConv` fed in pieces. Until more than `max(padLeft, padRight)` samples have
/// arrived it buffers them (the reflect padding at the start reads samples 1 ... padLeft, and a
/// stream that ends shorter gets `_pad1d`'s zero-extension instead); then it keeps the last
/// `effectiveKernelSize − 1` padded samples as history. Right padding is applied at `finish()`.
struct StreamingConv: Sendable {
    let layer: EncodecConv
    private var pending: Tensor
    private var history: Tensor
    private var started = false

    init(_ layer: EncodecConv) {
        precondition(layer.conv.stride == 1, "streaming needs stride-1 convolutions")
        self.layer = layer
        pending = .emptySignal(channels: layer.conv.inChannels)
        history = .emptySignal(channels: layer.conv.inChannels)
    }

    private var empty: Tensor { .emptySignal(channels: layer.conv.outChannels) }

    mutating func step(_ x: Tensor) -> Tensor {
        var buffer: Tensor
        if started {
            buffer = history.appendingTime(x)
        } else {
            pending = pending.appendingTime(x)
            let (left, right) = layer.padding
            guard pending.timeLength > max(left, right) else { return empty }
            buffer = TimePadding.pad(pending, left: left, right: 0, mode: layer.padMode)
            pending = .emptySignal(channels: layer.conv.inChannels)
            started = true
        }
        let keep = layer.conv.effectiveKernelSize - 1
        history = buffer.timeSlice(max(0, buffer.timeLength - keep)..<buffer.timeLength)
        return layer.conv(buffer)
    }

    mutating func finish() -> Tensor {
        guard started else {
            defer { pending = .emptySignal(channels: layer.conv.inChannels) }
            return pending.timeLength == 0 ? empty : layer(pending)
        }
        let right = layer.padding.right
        guard right > 0 else { return empty }
        return layer.conv(TimePadding.pad(history, left: 0, right: right, mode: layer.padMode))
    }
}

/// An `EncodecTransposedConv` fed in pieces: keeps the `kernel − stride` overlap samples
/// (accumulated, bias not yet added) for the next piece, drops the first `trim.left` output
/// samples and emits the tail minus `trim.right` at `finish()`.
struct StreamingTransposedConv: Sendable {
    let layer: EncodecTransposedConv
    private var tail: [Float]
    private var toSkip: Int

    init(_ layer: EncodecTransposedConv) {
        self.layer = layer
        tail = [Float](repeating: 0, count: layer.paddingTotal * layer.conv.outChannels)
        toSkip = layer.trim.left
    }

    mutating func step(_ x: Tensor) -> Tensor {
        let outC = layer.conv.outChannels, completed = x.timeLength * layer.conv.stride
        guard completed > 0 else { return .emptySignal(channels: outC) }
        let length = completed + layer.paddingTotal
        var out = [Float](repeating: 0, count: length * outC)
        out.replaceSubrange(0..<tail.count, with: tail)
        layer.conv.overlapAdd(layer.conv.contributions(x), into: &out, outputLength: length, offset: 0)
        tail = Array(out[(completed * outC)...])
        return emit(Array(out[0..<(completed * outC)]), rows: completed)
    }

    mutating func finish() -> Tensor {
        let rows = layer.paddingTotal - layer.trim.right
        let result = emit(Array(tail[0..<(rows * layer.conv.outChannels)]), rows: rows)
        tail = [Float](repeating: 0, count: tail.count)
        return result
    }

    /// Adds the bias to final samples and drops those still inside the left trim.
    private mutating func emit(_ values: [Float], rows: Int) -> Tensor {
        var values = values
        if let bias = layer.conv.bias { Elementwise.addRowVector(bias.scalars, to: &values, rows: rows) }
        let signal = Tensor(shape: [rows, layer.conv.outChannels], scalars: values)
        let drop = min(toSkip, rows)
        toSkip -= drop
        return signal.timeSlice(drop..<rows)
    }
}

/// A residual block fed in pieces: the shortcut and the (possibly buffering) block branch are
/// aligned by holding whichever is ahead.
struct StreamingResidual: Sendable {
    private var block: StreamingChain
    private var shortcut: StreamingConv?
    private var pendingMain: Tensor
    private var pendingBlock: Tensor

    init(_ layer: EncodecResidualBlock, channels: Int) {
        block = StreamingChain(nodes: layer.convs.flatMap { [StreamingNode.elu, .conv(StreamingConv($0))] })
        shortcut = layer.shortcut.map(StreamingConv.init)
        pendingMain = .emptySignal(channels: channels)
        pendingBlock = .emptySignal(channels: channels)
    }

    mutating func step(_ x: Tensor) -> Tensor {
        let main = shortcut.map { conv -> Tensor in
            var conv = conv
            defer { shortcut = conv }
            return conv.step(x)
        } ?? x
        return combine(main: main, block: block.step(x))
    }

    mutating func finish() -> Tensor {
        var main = Tensor.emptySignal(channels: pendingMain.shape[1])
        if var conv = shortcut { main = conv.finish(); shortcut = conv }
        return combine(main: main, block: block.finish())
    }

    private mutating func combine(main: Tensor, block: Tensor) -> Tensor {
        pendingMain = pendingMain.appendingTime(main)
        pendingBlock = pendingBlock.appendingTime(block)
        let count = min(pendingMain.timeLength, pendingBlock.timeLength)
        let out = pendingMain.timeSlice(0..<count).adding(pendingBlock.timeSlice(0..<count))
        pendingMain = pendingMain.timeSlice(count..<pendingMain.timeLength)
        pendingBlock = pendingBlock.timeSlice(count..<pendingBlock.timeLength)
        return out
    }
}

/// One streaming layer.
enum StreamingNode: Sendable {
    case conv(StreamingConv)
    case transposedConv(StreamingTransposedConv)
    case residual(StreamingResidual)
    case lstm(EncodecLSTMLayer, LSTM.State)
    case elu

    init(_ layer: SEANetLayer) {
        switch layer {
        case let .conv(conv): self = .conv(StreamingConv(conv))
        case let .transposedConv(conv): self = .transposedConv(StreamingTransposedConv(conv))
        case let .residual(block): self = .residual(StreamingResidual(block, channels: block.convs[0].conv.inChannels))
        case let .lstm(lstm): self = .lstm(lstm, lstm.lstm.initialState())
        case .elu: self = .elu
        }
    }

    mutating func step(_ x: Tensor) -> Tensor {
        switch self {
        case var .conv(state): self = .elu; defer { self = .conv(state) }; return state.step(x)
        case var .transposedConv(state): self = .elu; defer { self = .transposedConv(state) }; return state.step(x)
        case var .residual(state): self = .elu; defer { self = .residual(state) }; return state.step(x)
        case .lstm(let layer, var state): self = .elu; defer { self = .lstm(layer, state) }; return layer(x, state: &state)
        case .elu: return x.elu()
        }
    }

    mutating func finish() -> Tensor? {
        switch self {
        case var .conv(state): self = .elu; defer { self = .conv(state) }; return state.finish()
        case var .transposedConv(state): self = .elu; defer { self = .transposedConv(state) }; return state.finish()
        case var .residual(state): self = .elu; defer { self = .residual(state) }; return state.finish()
        case .lstm, .elu: return nil
        }
    }
}

/// Layers run in order, piece by piece.
struct StreamingChain: Sendable {
    var nodes: [StreamingNode]

    mutating func step(_ x: Tensor) -> Tensor {
        var signal = x
        for index in nodes.indices { signal = nodes[index].step(signal) }
        return signal
    }

    /// Flushes each layer in turn, pushing what it releases through the layers after it.
    mutating func finish() -> Tensor {
        var carry: Tensor?
        for index in nodes.indices {
            var out = carry.map { nodes[index].step($0) }
            if let flushed = nodes[index].finish() { out = out.map { $0.appendingTime(flushed) } ?? flushed }
            carry = out
        }
        return carry ?? .emptySignal(channels: 1)
    }
}
