import Checkpoints
import Bark
import Foundation
import Tensors

/// The adapter checkpoint: one safetensors file beside (never inside) the Bark checkpoint.
///
/// Tensors (H = hidden_size, A = audio_input_size, I = image_input_size, S = control_slots_per_kind,
/// R = routing_hidden_size; `{i}` = a semantic decoder layer index from `fusion_layers`):
/// ```
/// adapters.audio.proj.0.weight [H, A]   adapters.audio.proj.0.bias [H]
/// adapters.audio.proj.2.weight [H, H]   adapters.audio.proj.2.bias [H]
/// adapters.image.proj.0.weight [H, I]   adapters.image.proj.0.bias [H]
/// adapters.image.proj.2.weight [H, H]   adapters.image.proj.2.bias [H]
/// control.embeddings.weight    [4·S, H]
/// type_tags.weight             [4, H]      rows: text, audio, image, control
/// routing.mlp.0.weight [R, 4H]  routing.mlp.0.bias [R]
/// routing.mlp.2.weight [4, R]   routing.mlp.2.bias [4]
/// fusion.layers.{i}.norm.weight [H]  fusion.layers.{i}.norm.bias [H]
/// fusion.layers.{i}.cross_attn.{q,k,v,out}_proj.weight [H, H]  ….bias [H]
/// fusion.layers.{i}.gate [1]
/// fusion.layers.{i}.null_key [H]  fusion.layers.{i}.null_value [H]   (from format 2: the attention sink)
/// fusion.layers.{i}.route_sharpness [1]                             (from format 3)
/// ```
/// Format 4 has format 3's tensors; only how routing weights scale the values differs
/// (`AdapterConfiguration.scalesValuesRelativeToHeaviest`). Format 5 adds per fusion layer:
/// ```
/// fusion.layers.{i}.ffn_norm.weight [H]  fusion.layers.{i}.ffn_norm.bias [H]
/// fusion.layers.{i}.ffn.0.weight [4H, H]  fusion.layers.{i}.ffn.0.bias [4H]
/// fusion.layers.{i}.ffn.2.weight [H, 4H]  fusion.layers.{i}.ffn.2.bias [H]
/// fusion.layers.{i}.ffn_gate [1]
/// ```
/// Format 6 adds `rate_clock.weight [1, H]` and `rate_clock.bias [1]` (`RateClockHead`).
/// `__metadata__`: `omnibark_adapters` = `AdapterConfiguration` JSON, `format` = `omnibark-adapters`.
/// The text adapter has no tensors (it uses the semantic model's own input embeddings).
public enum AdapterCheckpoint {
    public static let formatTag = "omnibark-adapters"

    /// Every tensor name and shape a configuration requires.
    public static func expectedShapes(_ c: AdapterConfiguration) -> [String: [Int]] {
        let h = c.hiddenSize
        var shapes: [String: [Int]] = [
            "adapters.audio.proj.0.weight": [h, c.audioInputSize], "adapters.audio.proj.0.bias": [h],
            "adapters.audio.proj.2.weight": [h, h], "adapters.audio.proj.2.bias": [h],
            "adapters.image.proj.0.weight": [h, c.imageInputSize], "adapters.image.proj.0.bias": [h],
            "adapters.image.proj.2.weight": [h, h], "adapters.image.proj.2.bias": [h],
            "control.embeddings.weight": [4 * c.controlSlotsPerKind, h],
            "type_tags.weight": [4, h],
            "routing.mlp.0.weight": [c.routingHiddenSize, 4 * h], "routing.mlp.0.bias": [c.routingHiddenSize],
            "routing.mlp.2.weight": [4, c.routingHiddenSize], "routing.mlp.2.bias": [4],
        ]
        if c.hasRateClock {
            shapes["rate_clock.weight"] = [1, h]
            shapes["rate_clock.bias"] = [1]
        }
        for i in c.fusionLayers {
            let p = "fusion.layers.\(i)."
            shapes[p + "norm.weight"] = [h]
            shapes[p + "norm.bias"] = [h]
            for proj in ["q", "k", "v", "out"] {
                shapes[p + "cross_attn.\(proj)_proj.weight"] = [h, h]
                shapes[p + "cross_attn.\(proj)_proj.bias"] = [h]
            }
            shapes[p + "gate"] = [1]
            if c.hasAttentionSink {
                shapes[p + "null_key"] = [h]
                shapes[p + "null_value"] = [h]
            }
            if c.hasRouteSharpness { shapes[p + "route_sharpness"] = [1] }
            if c.hasFeedForward {
                shapes[p + "ffn_norm.weight"] = [h]
                shapes[p + "ffn_norm.bias"] = [h]
                shapes[p + "ffn.0.weight"] = [4 * h, h]
                shapes[p + "ffn.0.bias"] = [4 * h]
                shapes[p + "ffn.2.weight"] = [h, 4 * h]
                shapes[p + "ffn.2.bias"] = [h]
                shapes[p + "ffn_gate"] = [1]
            }
        }
        return shapes
    }

    /// Reads the configuration from a container's `__metadata__`.
    public static func configuration(of container: any TensorContainer) throws -> AdapterConfiguration {
        let file = container.url.path
        guard case let .string(json)? = container.attributes[AdapterConfiguration.metadataKey] else {
            throw CheckpointError.invalidConfiguration(file: file, field: "__metadata__.\(AdapterConfiguration.metadataKey)",
                                                       reason: "missing: not an OmniBark adapter file")
        }
        let configuration: AdapterConfiguration
        do { configuration = try JSONDecoder().decode(AdapterConfiguration.self, from: Data(json.utf8)) } catch let error as DecodingError {
            throw CheckpointError.invalidConfiguration(file: file, field: "__metadata__.\(AdapterConfiguration.metadataKey)" + Self.path(of: error),
                                                       reason: Self.reason(of: error))
        }
        if let problem = configuration.validationProblem() {
            throw CheckpointError.invalidConfiguration(file: file, field: "__metadata__.\(AdapterConfiguration.metadataKey).\(problem.field)",
                                                       reason: problem.reason)
        }
        return configuration
    }

    /// Loads and checks every tensor (names, shapes, float dtypes, finite gates).
    public static func load(contentsOf url: URL) throws -> OmniAdapters {
        try load(container: try openCheckpoint(at: url))
    }

    public static func load(container: any TensorContainer) throws -> OmniAdapters {
        let file = container.url.path
        let c = try configuration(of: container)
        let infos = container.tensorInfos
        let shapes = expectedShapes(c)
        for (name, shape) in shapes.sorted(by: { $0.key < $1.key }) {
            guard let info = infos[name] else { throw CheckpointError.missingTensor(file: file, tensor: name) }
            guard info.shape == shape else { throw CheckpointError.shapeMismatch(file: file, tensor: name, expected: shape, actual: info.shape) }
            guard info.dtype.isFloatingPoint else { throw CheckpointError.unsupportedDType(file: file, tensor: name, dtype: info.dtype.rawValue) }
        }
        func t(_ name: String) throws -> Tensor {
            let tensor = try container.floatTensor(name)
            if tensor.scalars.contains(where: { !$0.isFinite }) {
                throw CheckpointError.malformed(file: file, item: "tensor '\(name)'", offset: nil, reason: "contains NaN or infinity")
            }
            return tensor
        }
        func linear(_ p: String) throws -> Linear { Linear(weight: try t(p + ".weight"), bias: try t(p + ".bias")) }
        func head(_ p: String) throws -> ProjectionHead { ProjectionHead(first: try linear(p + ".proj.0"), second: try linear(p + ".proj.2")) }
        let eps = Float(c.layerNormEpsilon)
        var layers: [Int: CrossAttentionLayer] = [:]
        for i in c.fusionLayers {
            let p = "fusion.layers.\(i)."
            layers[i] = CrossAttentionLayer(
                norm: LayerNorm(weight: try t(p + "norm.weight"), bias: try t(p + "norm.bias"), epsilon: eps),
                query: try linear(p + "cross_attn.q_proj"), key: try linear(p + "cross_attn.k_proj"),
                value: try linear(p + "cross_attn.v_proj"), output: try linear(p + "cross_attn.out_proj"),
                gate: try t(p + "gate").scalars[0], heads: c.heads,
                sink: c.hasAttentionSink ? (key: try t(p + "null_key").scalars, value: try t(p + "null_value").scalars) : nil,
                routeSharpness: c.hasRouteSharpness ? try t(p + "route_sharpness").scalars[0] : 0,
                valuesRelativeToHeaviest: c.scalesValuesRelativeToHeaviest,
                feedForward: c.hasFeedForward
                    ? GatedFeedForward(norm: LayerNorm(weight: try t(p + "ffn_norm.weight"), bias: try t(p + "ffn_norm.bias"), epsilon: eps),
                                       head: ProjectionHead(first: try linear(p + "ffn.0"), second: try linear(p + "ffn.2")),
                                       gate: try t(p + "ffn_gate").scalars[0])
                    : nil)
        }
        return OmniAdapters(configuration: c, audioHead: try head("adapters.audio"), imageHead: try head("adapters.image"),
                            controlEmbeddings: Embedding(table: try t("control.embeddings.weight")),
                            typeTags: Embedding(table: try t("type_tags.weight")),
                            routing: RoutingMLP(first: try linear("routing.mlp.0"), second: try linear("routing.mlp.2")),
                            layers: layers,
                            rateClock: c.hasRateClock
                                ? RateClockHead(weight: try t("rate_clock.weight").scalars, bias: try t("rate_clock.bias").scalars[0])
                                : nil)
    }

    /// Fresh tensors for `configuration`: weights ~ N(0, 0.02²) (deterministic from `seed`), biases,
    /// attention-sink rows, route sharpness, the rate-clock head (stride 1) and every gate 0, LayerNorm
    /// weights 1: an adapter file that leaves Bark unchanged.
    public static func initialTensors(_ configuration: AdapterConfiguration, seed: UInt64 = 0,
                                      gate: Float = 0) -> [String: Tensor] {
        var random = NormalDraws(seed: seed)
        var tensors: [String: Tensor] = [:]
        for (name, shape) in expectedShapes(configuration).sorted(by: { $0.key < $1.key }) {
            let count = shape.reduce(1, *)
            let scalars: [Float]
            if name.hasSuffix(".gate") {
                scalars = [gate]
            } else if name.hasSuffix(".ffn_gate") {
                scalars = [0]
            } else if name.hasSuffix(".route_sharpness") || name.hasPrefix("rate_clock.") {
                scalars = [Float](repeating: 0, count: count)
            } else if name.hasSuffix("norm.weight") {
                scalars = [Float](repeating: 1, count: count)
            } else if name.hasSuffix(".bias") || name.hasSuffix(".null_key") || name.hasSuffix(".null_value") {
                scalars = [Float](repeating: 0, count: count)
            } else {
                scalars = (0..<count).map { _ in random.normal() * 0.02 }
            }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
        }
        return tensors
    }

    /// Writes `tensors` with `configuration` as metadata (atomically).
    public static func write(_ tensors: [String: Tensor], configuration: AdapterConfiguration, to url: URL) throws {
        if let problem = configuration.validationProblem() {
            throw CheckpointError.invalidConfiguration(file: url.path, field: problem.field, reason: problem.reason)
        }
        for (name, shape) in expectedShapes(configuration) {
            guard let tensor = tensors[name] else { throw CheckpointError.missingTensor(file: url.path, tensor: name) }
            guard tensor.shape == shape else { throw CheckpointError.shapeMismatch(file: url.path, tensor: name, expected: shape, actual: tensor.shape) }
        }
        try SafetensorsWriter.write(tensors, metadata: [AdapterConfiguration.metadataKey: configuration.json(), "format": formatTag], to: url)
    }

    /// Creates an initialised adapter file (gates 0) for `configuration`.
    public static func writeInitialised(_ configuration: AdapterConfiguration, seed: UInt64 = 0, to url: URL) throws {
        try write(initialTensors(configuration, seed: seed), configuration: configuration, to: url)
    }

    private static func path(of error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case let .keyNotFound(key, c): return (c.codingPath + [key]).map { "." + $0.stringValue }.joined()
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): context = c
        @unknown default: return ""
        }
        return context.codingPath.map { "." + $0.stringValue }.joined()
    }

    private static func reason(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound: return "missing"
        case let .typeMismatch(type, c): return "expected \(type): \(c.debugDescription)"
        case let .valueNotFound(type, c): return "expected \(type): \(c.debugDescription)"
        case let .dataCorrupted(c): return c.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

/// Box–Muller normals over Bark's seedable generator, for initialising adapter weights reproducibly.
struct NormalDraws {
    var generator: SeededRandomGenerator
    init(seed: UInt64) { generator = SeededRandomGenerator(seed: seed) }
    mutating func normal() -> Float {
        let u1 = max(generator.nextUnitInterval(), 1e-300), u2 = generator.nextUnitInterval()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
