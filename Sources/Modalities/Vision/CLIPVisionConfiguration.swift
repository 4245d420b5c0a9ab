import Checkpoints
import Foundation

/// The settings of a CLIP vision tower: transformers' `CLIPVisionConfig`, read from a
/// `CLIPVisionModel` `config.json` or from the `vision_config` of a `CLIPModel` `config.json`.
/// Absent fields take `CLIPVisionConfig`'s defaults (ViT-B/32).
public struct CLIPVisionConfiguration: Sendable, Equatable {
    /// The MLP activation (`hidden_act`).
    public enum Activation: String, Sendable {
        /// `x · σ(1.702 x)` (OpenAI CLIP).
        case quickGELU = "quick_gelu"
        /// Exact erf GELU.
        case gelu
    }

    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var imageSize: Int
    public var patchSize: Int
    public var numChannels: Int
    public var layerNormEpsilon: Double
    public var activation: Activation

    public init(hiddenSize: Int = 768, intermediateSize: Int = 3072, numHiddenLayers: Int = 12,
                numAttentionHeads: Int = 12, imageSize: Int = 224, patchSize: Int = 32, numChannels: Int = 3,
                layerNormEpsilon: Double = 1e-5, activation: Activation = .quickGELU) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.numChannels = numChannels
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
    }

    /// Patches per side (`image_size / patch_size`).
    public var patchesPerSide: Int { imageSize / patchSize }
    /// Sequence length: one class token plus the patches.
    public var tokenCount: Int { 1 + patchesPerSide * patchesPerSide }
    public var headDimension: Int { hiddenSize / numAttentionHeads }

    /// Reads `config.json`: its `vision_config` object when present (a `CLIPModel`), else the root
    /// (a `CLIPVisionModel`).
    public static func load(from url: URL) throws -> CLIPVisionConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
        guard let root = try CheckpointValue.parseJSON(data, file: url.path).dictionaryValue else {
            throw CheckpointError.invalidConfiguration(file: url.path, field: "(root)", reason: "expected a JSON object")
        }
        return try parse(root, file: url.path)
    }

    /// Parses the fields of a decoded `config.json` (see `load(from:)`); `file` names it in errors.
    public static func parse(_ root: [String: CheckpointValue], file: String) throws -> CLIPVisionConfiguration {
        let top = ConfigurationFieldReader(fields: root, file: file)
        let reader: ConfigurationFieldReader
        if let vision = try top.optionalObject("vision_config") {
            reader = ConfigurationFieldReader(fields: vision, file: file, prefix: "vision_config.")
        } else {
            reader = top
        }
        let defaults = CLIPVisionConfiguration()
        func side(_ name: String, _ fallback: Int) throws -> Int {
            // transformers also allows [height, width]; only square tiles are supported here.
            if case let .array(items)? = reader.fields[name] {
                let values = try reader.intArray(name, default: [])
                guard items.count == 2, values[0] == values[1], values[0] > 0 else {
                    throw reader.invalid(name, "only a square size (one integer) is supported, got \(values)")
                }
                return values[0]
            }
            return try reader.positiveInt(name, default: fallback)
        }
        let actName = try reader.string("hidden_act", default: defaults.activation.rawValue)
        guard let activation = Activation(rawValue: actName) else {
            throw reader.invalid("hidden_act", "'\(actName)' is not supported (expected quick_gelu or gelu)")
        }
        let config = CLIPVisionConfiguration(
            hiddenSize: try reader.positiveInt("hidden_size", default: defaults.hiddenSize),
            intermediateSize: try reader.positiveInt("intermediate_size", default: defaults.intermediateSize),
            numHiddenLayers: try reader.int("num_hidden_layers", default: defaults.numHiddenLayers, minimum: 0),
            numAttentionHeads: try reader.positiveInt("num_attention_heads", default: defaults.numAttentionHeads),
            imageSize: try side("image_size", defaults.imageSize),
            patchSize: try side("patch_size", defaults.patchSize),
            numChannels: try reader.positiveInt("num_channels", default: defaults.numChannels),
            layerNormEpsilon: try reader.double("layer_norm_eps", default: defaults.layerNormEpsilon),
            activation: activation)
        if config.hiddenSize % config.numAttentionHeads != 0 {
            throw reader.invalid("num_attention_heads", "hidden_size \(config.hiddenSize) is not divisible by \(config.numAttentionHeads) heads")
        }
        if config.imageSize % config.patchSize != 0 {
            throw reader.invalid("patch_size", "image_size \(config.imageSize) is not a multiple of patch_size \(config.patchSize)")
        }
        if !(config.layerNormEpsilon > 0) {
            throw reader.invalid("layer_norm_eps", "must be positive, got \(config.layerNormEpsilon)")
        }
        return config
    }
}
