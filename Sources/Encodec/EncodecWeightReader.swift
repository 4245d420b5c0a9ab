import Checkpoints
import Tensors

/// Reads EnCodec parameters from a container under a key prefix, checking every shape.
///
/// Weight-normalised convolutions are accepted in both namings transformers has written:
/// `<path>.parametrizations.weight.original0` / `original1` (torch ≥ 2.1 parametrizations) and
/// `<path>.weight_g` / `<path>.weight_v` (older `nn.utils.weight_norm`), plus a plain
/// `<path>.weight` (norm already folded). `w = g · v / ‖v‖`, the norm taken over every dimension
/// except 0 — PyTorch's `weight_norm(dim=0)` default, also for `ConvTranspose1d` (`[in, out, k]`,
/// so the norm runs per input channel there).
struct EncodecWeightReader {
    let container: any TensorContainer
    let prefix: String

    var file: String { container.url.path }

    /// Tensor `prefix + name`, which must have `shape`.
    func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let key = prefix + name
        guard let info = container.tensorInfos[key] else { throw CheckpointError.missingTensor(file: file, tensor: key) }
        if info.shape != shape { throw CheckpointError.shapeMismatch(file: file, tensor: key, expected: shape, actual: info.shape) }
        return try container.floatTensor(key)
    }

    /// The effective weight of the weight-normalised parameter `<path>.weight`, of `shape`.
    func normalizedWeight(_ path: String, shape: [Int]) throws -> Tensor {
        let names = container.tensorInfos
        let gShape = [shape[0]] + Array(repeating: 1, count: shape.count - 1)
        let pairs = [("parametrizations.weight.original0", "parametrizations.weight.original1"), ("weight_g", "weight_v")]
        for (gName, vName) in pairs where names[prefix + path + "." + vName] != nil || names[prefix + path + "." + gName] != nil {
            let g = try tensor(path + "." + gName, shape: gShape)
            let v = try tensor(path + "." + vName, shape: shape)
            return Self.weightNorm(g: g, v: v)
        }
        if names[prefix + path + ".weight"] != nil { return try tensor(path + ".weight", shape: shape) }
        throw CheckpointError.missingTensor(file: file, tensor: prefix + path + ".parametrizations.weight.original1 "
                                            + "(or \(prefix + path).weight_v, or \(prefix + path).weight)")
    }

    /// `g[i] · v[i, …] / ‖v[i, …]‖₂` for each index `i` of dimension 0.
    static func weightNorm(g: Tensor, v: Tensor) -> Tensor {
        let rows = v.shape[0], width = rows == 0 ? 0 : v.count / rows
        var out = v.scalars
        for r in 0..<rows {
            var sumSquares: Float = 0
            for i in 0..<width { sumSquares += v.scalars[r * width + i] * v.scalars[r * width + i] }
            let scale = g.scalars[r] / sumSquares.squareRoot()
            for i in 0..<width { out[r * width + i] *= scale }
        }
        return Tensor(shape: v.shape, scalars: out)
    }

    /// A weight-normalised `nn.Conv1d` at `<path>` (`<path>.bias` required), `[out, in, k]`.
    func conv1d(_ path: String, in inChannels: Int, out outChannels: Int, kernel: Int,
                stride: Int = 1, dilation: Int = 1) throws -> Conv1d {
        let weight = try normalizedWeight(path, shape: [outChannels, inChannels, kernel])
        let bias = try tensor(path + ".bias", shape: [outChannels])
        return Conv1d(weight: weight, bias: bias, stride: stride, dilation: dilation)
    }

    /// A weight-normalised `nn.ConvTranspose1d` at `<path>`, `[in, out, k]`.
    func convTranspose1d(_ path: String, in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int) throws -> ConvTranspose1d {
        let weight = try normalizedWeight(path, shape: [inChannels, outChannels, kernel])
        let bias = try tensor(path + ".bias", shape: [outChannels])
        return ConvTranspose1d(weight: weight, bias: bias, stride: stride)
    }

    /// An `nn.LSTM(size, size, layers)` at `<path>` (biases required, as PyTorch's default).
    func lstm(_ path: String, size: Int, layers: Int) throws -> LSTM {
        try LSTM(layers: (0..<layers).map { n in
            LSTM.Layer(weightIH: try tensor("\(path).weight_ih_l\(n)", shape: [4 * size, size]),
                       weightHH: try tensor("\(path).weight_hh_l\(n)", shape: [4 * size, size]),
                       biasIH: try tensor("\(path).bias_ih_l\(n)", shape: [4 * size]),
                       biasHH: try tensor("\(path).bias_hh_l\(n)", shape: [4 * size]))
        })
    }
}
