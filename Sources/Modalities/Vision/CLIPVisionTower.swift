import Checkpoints
import Foundation
import Tensors

/// Why the vision tower refused an input.
public enum CLIPVisionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `pixels` does not have the `[channels, image_size, image_size]` shape the tower expects.
    case invalidPixelShape(expected: [Int], actual: [Int])
    /// `pixels` holds a NaN or infinity.
    case nonFinitePixels

    public var description: String {
        switch self {
        case let .invalidPixelShape(expected, actual):
            return "CLIP vision tower: pixel tensor has shape \(actual), expected \(expected)"
        case .nonFinitePixels:
            return "CLIP vision tower: pixel tensor contains NaN or infinity"
        }
    }
}

/// A frozen CLIP ViT image encoder, numerically equal to transformers' `CLIPVisionModel` (float32):
/// patch embedding (a stride-`patch` convolution without bias, done as im2col + GEMM), class token,
/// learned positions, `pre_layrnorm`, pre-norm encoder layers (separate q/k/v/out projections with
/// biases, scores scaled by head_dim^-0.5, no mask; `fc1` → quick_gelu/gelu → `fc2`), and the pooled
/// output `post_layernorm(last_hidden_state[0])`. `last_hidden_state` itself is not post-normed.
///
/// Immutable and `Sendable`: one tower may serve any number of threads.
public struct CLIPVisionTower: Sendable {
    struct Layer: Sendable {
        let norm1: LayerNorm
        /// q|k|v fused: `[3·hidden, hidden]` with bias.
        let qkv: Linear
        let out: Linear
        let norm2: LayerNorm
        let fc1: Linear
        let fc2: Linear
    }

    public let configuration: CLIPVisionConfiguration
    /// The patch convolution as a linear map: `[hidden, channels·patch·patch]`, no bias.
    let patchEmbedding: Linear
    let classEmbedding: [Float]
    /// `[tokens, hidden]`.
    let positionEmbedding: [Float]
    let preNorm: LayerNorm
    let layers: [Layer]
    let postNorm: LayerNorm

    /// Loads the tower from a container holding `CLIPVisionModel` or `CLIPModel` weights: names with a
    /// `vision_model.` prefix (transformers 4.x saves, every `CLIPModel`) or without one (transformers
    /// 5 `CLIPVisionModel` saves). `text_model.*` and projection tensors are ignored.
    public init(configuration: CLIPVisionConfiguration, tensors: any TensorContainer) throws {
        let file = tensors.url.path
        let infos = tensors.tensorInfos
        let prefix: String
        if infos["vision_model.embeddings.class_embedding"] != nil {
            prefix = "vision_model."
        } else if infos["embeddings.class_embedding"] != nil {
            prefix = ""
        } else {
            throw CheckpointError.missingTensor(file: file, tensor: "vision_model.embeddings.class_embedding")
        }
        let c = configuration
        let h = c.hiddenSize
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            let full = prefix + name
            guard let info = infos[full] else { throw CheckpointError.missingTensor(file: file, tensor: full) }
            guard info.shape == shape else {
                throw CheckpointError.shapeMismatch(file: file, tensor: full, expected: shape, actual: info.shape)
            }
            guard info.dtype.isFloatingPoint else {
                throw CheckpointError.unsupportedDType(file: file, tensor: full, dtype: info.dtype.rawValue)
            }
            return try tensors.floatTensor(full)
        }
        func norm(_ name: String) throws -> LayerNorm {
            LayerNorm(weight: try load(name + ".weight", [h]), bias: try load(name + ".bias", [h]),
                      epsilon: Float(c.layerNormEpsilon))
        }
        func linear(_ name: String, out: Int, in inputs: Int) throws -> Linear {
            Linear(weight: try load(name + ".weight", [out, inputs]), bias: try load(name + ".bias", [out]))
        }
        let patchArea = c.numChannels * c.patchSize * c.patchSize
        patchEmbedding = Linear(weight: try load("embeddings.patch_embedding.weight",
                                                 [h, c.numChannels, c.patchSize, c.patchSize]).reshaped([h, patchArea]))
        classEmbedding = try load("embeddings.class_embedding", [h]).scalars
        positionEmbedding = try load("embeddings.position_embedding.weight", [c.tokenCount, h]).scalars
        preNorm = try norm("pre_layrnorm")
        postNorm = try norm("post_layernorm")
        layers = try (0..<c.numHiddenLayers).map { i in
            let p = "encoder.layers.\(i)."
            let projections = try ["q_proj", "k_proj", "v_proj"].map { name in
                (weight: try load(p + "self_attn.\(name).weight", [h, h]).scalars, bias: try load(p + "self_attn.\(name).bias", [h]).scalars)
            }
            let fused = Linear(weight: Tensor(shape: [3 * h, h], scalars: projections.flatMap(\.weight)),
                               bias: Tensor(shape: [3 * h], scalars: projections.flatMap(\.bias)))
            return Layer(norm1: try norm(p + "layer_norm1"), qkv: fused,
                         out: try linear(p + "self_attn.out_proj", out: h, in: h),
                         norm2: try norm(p + "layer_norm2"),
                         fc1: try linear(p + "mlp.fc1", out: c.intermediateSize, in: h),
                         fc2: try linear(p + "mlp.fc2", out: h, in: c.intermediateSize))
        }
        self.configuration = configuration
    }

    /// Opens `directory/config.json` and `directory/model.safetensors` (or the given checkpoint file).
    public static func load(directory: URL, checkpoint: String = "model.safetensors") throws -> CLIPVisionTower {
        let configuration = try CLIPVisionConfiguration.load(from: directory.appendingPathComponent("config.json"))
        let tensors = try openCheckpoint(at: directory.appendingPathComponent(checkpoint))
        return try CLIPVisionTower(configuration: configuration, tensors: tensors)
    }

    /// Runs the tower on one image's `pixel_values`, `[channels, image_size, image_size]` (as
    /// `CLIPImagePreprocessor` makes them).
    ///
    /// - Returns: `lastHiddenState` `[1 + patches, hidden]` (class token first, patches row-major) and
    ///   `pooled` `[hidden]` = `post_layernorm(lastHiddenState[0])`.
    public func callAsFunction(_ pixels: Tensor) throws -> (lastHiddenState: Tensor, pooled: Tensor) {
        let c = configuration
        let expected = [c.numChannels, c.imageSize, c.imageSize]
        guard pixels.shape == expected else { throw CLIPVisionError.invalidPixelShape(expected: expected, actual: pixels.shape) }
        guard pixels.scalars.allSatisfy(\.isFinite) else { throw CLIPVisionError.nonFinitePixels }

        let h = c.hiddenSize, tokens = c.tokenCount, side = c.patchesPerSide, p = c.patchSize
        let patchArea = c.numChannels * p * p

        // im2col: row `py·side + px` holds the patch in the weight's (channel, ky, kx) order.
        var columns = [Float](repeating: 0, count: (tokens - 1) * patchArea)
        pixels.scalars.withUnsafeBufferPointer { src in
            for py in 0..<side {
                for px in 0..<side {
                    var o = (py * side + px) * patchArea
                    for ch in 0..<c.numChannels {
                        for ky in 0..<p {
                            let row = (ch * c.imageSize + py * p + ky) * c.imageSize + px * p
                            for kx in 0..<p {
                                columns[o] = src[row + kx]
                                o += 1
                            }
                        }
                    }
                }
            }
        }
        var state = [Float](repeating: 0, count: tokens * h)
        var patches = [Float](repeating: 0, count: (tokens - 1) * h)
        patchEmbedding.apply(columns, rows: tokens - 1, into: &patches)
        state.replaceSubrange(0..<h, with: classEmbedding)
        state.replaceSubrange(h..<(tokens * h), with: patches)
        Elementwise.add(positionEmbedding, to: &state, count: tokens * h)

        var hidden = [Float](repeating: 0, count: tokens * h)
        preNorm.apply(state, rows: tokens, into: &hidden)

        var normed = [Float](repeating: 0, count: tokens * h)
        var qkv = [Float](repeating: 0, count: tokens * 3 * h)
        var attended = [Float](repeating: 0, count: tokens * h)
        var scratch = [Float](repeating: 0, count: Attention.scratchCount(rows: tokens, keys: tokens))
        var inner = [Float](repeating: 0, count: tokens * c.intermediateSize)
        for layer in layers {
            layer.norm1.apply(hidden, rows: tokens, into: &normed)
            layer.qkv.apply(normed, rows: tokens, into: &qkv)
            Attention.selfAttention(qkv: qkv, rows: tokens, hidden: h, heads: c.numAttentionHeads, causal: false,
                                    scratch: &scratch, output: &attended)
            layer.out.apply(attended, rows: tokens, into: &hidden, accumulate: true)
            layer.norm2.apply(hidden, rows: tokens, into: &normed)
            layer.fc1.apply(normed, rows: tokens, into: &inner)
            switch c.activation {
            case .quickGELU: Self.quickGELUInPlace(&inner)
            case .gelu: Elementwise.geluInPlace(&inner, count: inner.count)
            }
            layer.fc2.apply(inner, rows: tokens, into: &hidden, accumulate: true)
        }
        var pooled = [Float](repeating: 0, count: h)
        postNorm.apply(Array(hidden[0..<h]), rows: 1, into: &pooled)
        return (Tensor(shape: [tokens, h], scalars: hidden), Tensor(shape: [h], scalars: pooled))
    }

    /// `x · σ(1.702 x)` in place.
    static func quickGELUInPlace(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices {
                let x = v[i]
                v[i] = x / (1 + expf(-1.702 * x))
            }
        }
    }
}
