import Tensors

/// The SEANet encoder or decoder: a list of layers run in order (port of `EncodecEncoder` /
/// `EncodecDecoder`). Weight names are `<prefix><encoder|decoder>.layers.<index>…`, indices
/// counting every entry including ELUs, exactly as in the PyTorch `nn.ModuleList`.
struct SEANet: Sendable {
    let layers: [SEANetLayer]

    func callAsFunction(_ x: Tensor) -> Tensor {
        layers.reduce(x) { signal, layer in layer(signal) }
    }

    /// Builds `encoder.layers`: conv → per reversed ratio (residual blocks, ELU, strided conv) →
    /// LSTM → ELU → conv to `hidden_size`.
    static func encoder(_ config: EncodecConfiguration, _ reader: EncodecWeightReader) throws -> SEANet {
        var builder = Builder(config: config, reader: reader, path: "encoder.layers")
        try builder.conv(in: config.audioChannels, out: config.numFilters, kernel: config.kernelSize)
        var scale = 1
        for ratio in config.upsamplingRatios.reversed() {
            let channels = scale * config.numFilters
            for j in 0..<config.numResidualLayers { try builder.residual(channels: channels, dilation: power(config.dilationGrowthRate, j)) }
            builder.elu()
            try builder.conv(in: channels, out: channels * 2, kernel: ratio * 2, stride: ratio)
            scale *= 2
        }
        try builder.lstm(size: scale * config.numFilters)
        builder.elu()
        try builder.conv(in: scale * config.numFilters, out: config.hiddenSize, kernel: config.lastKernelSize)
        return SEANet(layers: builder.layers)
    }

    /// Builds `decoder.layers`: conv from `hidden_size` → LSTM → per ratio (ELU, transposed conv,
    /// residual blocks) → ELU → conv to the audio channels.
    static func decoder(_ config: EncodecConfiguration, _ reader: EncodecWeightReader) throws -> SEANet {
        var builder = Builder(config: config, reader: reader, path: "decoder.layers")
        var scale = 1 << config.upsamplingRatios.count
        try builder.conv(in: config.hiddenSize, out: scale * config.numFilters, kernel: config.kernelSize)
        try builder.lstm(size: scale * config.numFilters)
        for ratio in config.upsamplingRatios {
            let channels = scale * config.numFilters
            builder.elu()
            try builder.transposedConv(in: channels, out: channels / 2, kernel: ratio * 2, stride: ratio)
            for j in 0..<config.numResidualLayers { try builder.residual(channels: channels / 2, dilation: power(config.dilationGrowthRate, j)) }
            scale /= 2
        }
        builder.elu()
        try builder.conv(in: config.numFilters, out: config.audioChannels, kernel: config.lastKernelSize)
        return SEANet(layers: builder.layers)
    }

    private static func power(_ base: Int, _ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { value, _ in value * base }
    }

    /// Appends layers while counting module-list indices.
    private struct Builder {
        let config: EncodecConfiguration
        let reader: EncodecWeightReader
        let path: String
        var layers: [SEANetLayer] = []

        private var next: String { "\(path).\(layers.count)" }

        func makeConv(_ path: String, in inChannels: Int, out: Int, kernel: Int, stride: Int = 1, dilation: Int = 1) throws -> EncodecConv {
            EncodecConv(conv: try reader.conv1d(path + ".conv", in: inChannels, out: out, kernel: kernel, stride: stride, dilation: dilation),
                        causal: config.useCausalConv, padMode: config.padMode)
        }

        mutating func conv(in inChannels: Int, out: Int, kernel: Int, stride: Int = 1) throws {
            layers.append(.conv(try makeConv(next, in: inChannels, out: out, kernel: kernel, stride: stride)))
        }

        mutating func transposedConv(in inChannels: Int, out: Int, kernel: Int, stride: Int) throws {
            let conv = try reader.convTranspose1d(next + ".conv", in: inChannels, out: out, kernel: kernel, stride: stride)
            layers.append(.transposedConv(EncodecTransposedConv(conv: conv, causal: config.useCausalConv, trimRightRatio: config.trimRightRatio)))
        }

        mutating func residual(channels: Int, dilation: Int) throws {
            let base = next, hidden = channels / config.compress
            let convs = [
                try makeConv(base + ".block.1", in: channels, out: hidden, kernel: config.residualKernelSize, dilation: dilation),
                try makeConv(base + ".block.3", in: hidden, out: channels, kernel: 1),
            ]
            let shortcut = config.useConvShortcut ? try makeConv(base + ".shortcut", in: channels, out: channels, kernel: 1) : nil
            layers.append(.residual(EncodecResidualBlock(convs: convs, shortcut: shortcut)))
        }

        mutating func lstm(size: Int) throws {
            layers.append(.lstm(EncodecLSTMLayer(lstm: try reader.lstm(next + ".lstm", size: size, layers: config.numLSTMLayers))))
        }

        mutating func elu() { layers.append(.elu) }
    }
}
