import Checkpoints
import Tensors

/// Random EnCodec weights with transformers' `EncodecModel` names and shapes for a configuration
/// (`encoder.layers.N…`, `decoder.layers.N…`, `quantizer.layers.Q.codebook.embed`), used by the
/// demo model. The layer numbering mirrors `EncodecEncoder` / `EncodecDecoder` module lists.
enum DemoCodecWeights {
    static func make(codecFields f: [String: CheckpointValue], random: inout NormalRandom) -> [String: Tensor] {
        func int(_ key: String) -> Int { if case let .int(v)? = f[key] { return v }; return 0 }
        let ratios: [Int] = { if case let .array(a)? = f["upsampling_ratios"] { return a.compactMap { if case let .int(v) = $0 { v } else { nil } } }; return [] }()
        let filters = int("num_filters"), hidden = int("hidden_size"), kernel = int("kernel_size")
        let lastKernel = int("last_kernel_size"), residualKernel = int("residual_kernel_size"), compress = int("compress")
        let lstmLayers = int("num_lstm_layers"), residualLayers = int("num_residual_layers"), channels = int("audio_channels")
        var tensors: [String: Tensor] = [:]

        func normal(_ shape: [Int], _ std: Float) -> Tensor { random.tensor(shape, standardDeviation: std) }
        /// Weight-normed conv: g (norm per dim-0 slice), v, bias. Conv1d weights are [out, in, k];
        /// ConvTranspose1d weights are [in, out, k], so their bias follows dim 1.
        func conv(_ path: String, weightShape: [Int], transposed: Bool = false) {
            let fanIn = weightShape.dropFirst().reduce(1, *)
            tensors[path + ".conv.parametrizations.weight.original1"] = normal(weightShape, 1 / Float(fanIn).squareRoot())
            tensors[path + ".conv.parametrizations.weight.original0"] = Tensor(zeros: [weightShape[0], 1, 1], value: 1)
            tensors[path + ".conv.bias"] = Tensor(zeros: [weightShape[transposed ? 1 : 0]])
        }
        func resnet(_ path: String, dim: Int) {
            conv(path + ".block.1", weightShape: [dim / compress, dim, residualKernel])
            conv(path + ".block.3", weightShape: [dim, dim / compress, 1])
            conv(path + ".shortcut", weightShape: [dim, dim, 1])
        }
        func lstm(_ path: String, size: Int) {
            let bound = 1 / Float(size).squareRoot()
            for l in 0..<lstmLayers {
                for (name, shape) in [("weight_ih", [4 * size, size]), ("weight_hh", [4 * size, size]), ("bias_ih", [4 * size]), ("bias_hh", [4 * size])] {
                    tensors["\(path).lstm.\(name)_l\(l)"] = random.tensor(shape, standardDeviation: bound / Float(3).squareRoot())
                }
            }
        }

        // Encoder
        var index = 0
        conv("encoder.layers.\(index)", weightShape: [filters, channels, kernel]); index += 1
        var scale = 1
        for ratio in ratios.reversed() {
            let dim = scale * filters
            for _ in 0..<residualLayers { resnet("encoder.layers.\(index)", dim: dim); index += 1 }
            index += 1  // ELU
            conv("encoder.layers.\(index)", weightShape: [dim * 2, dim, ratio * 2]); index += 1
            scale *= 2
        }
        lstm("encoder.layers.\(index)", size: scale * filters); index += 2  // LSTM, ELU
        conv("encoder.layers.\(index)", weightShape: [hidden, scale * filters, lastKernel])

        // Decoder
        index = 0
        scale = 1 << ratios.count
        conv("decoder.layers.\(index)", weightShape: [scale * filters, hidden, kernel]); index += 1
        lstm("decoder.layers.\(index)", size: scale * filters); index += 1
        for ratio in ratios {
            let dim = scale * filters
            index += 1  // ELU
            conv("decoder.layers.\(index)", weightShape: [dim, dim / 2, ratio * 2], transposed: true); index += 1
            for _ in 0..<residualLayers { resnet("decoder.layers.\(index)", dim: dim / 2); index += 1 }
            scale /= 2
        }
        index += 1  // ELU
        conv("decoder.layers.\(index)", weightShape: [channels, filters, lastKernel])

        // Quantizer: enough layers for the largest bandwidth.
        let bandwidths: [Double] = { if case let .array(a)? = f["target_bandwidths"] { return a.compactMap { if case let .double(v) = $0 { v } else if case let .int(v) = $0 { Double(v) } else { nil } } }; return [] }()
        let codebookSize = int("codebook_size")
        let frameRate = (int("sampling_rate") + ratios.reduce(1, *) - 1) / ratios.reduce(1, *)
        let quantizers = Int(1000 * (bandwidths.max() ?? 6) / Double(frameRate * 10))
        for q in 0..<quantizers {
            let p = "quantizer.layers.\(q).codebook."
            let embed = normal([codebookSize, int("codebook_dim")], 1)
            tensors[p + "embed"] = embed
            tensors[p + "embed_avg"] = embed
            tensors[p + "cluster_size"] = Tensor(zeros: [codebookSize], value: 1)
            tensors[p + "inited"] = Tensor(zeros: [1], value: 1)
        }
        return tensors
    }
}
