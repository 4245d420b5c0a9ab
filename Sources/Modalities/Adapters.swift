import Foundation
import Tensors

/// `Linear(in → H) → GELU (erf) → Linear(H → H)`: the projection head of the audio and image
/// adapters (`<prefix>.proj.0.*`, `<prefix>.proj.2.*`).
public struct ProjectionHead: Sendable {
    public let first: Linear
    public let second: Linear

    public init(first: Linear, second: Linear) {
        precondition(first.outFeatures == second.inFeatures, "projection head widths \(first.weight.shape) → \(second.weight.shape)")
        self.first = first
        self.second = second
    }

    /// `[rows, in]` → `[rows, H]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        second(first(input).gelu())
    }
}

/// Mean pooling over rows with a window equal to the stride; the last window may be short and
/// averages only the rows it has. The stride grows to `ceil(rows / maxTokens)` when needed so at
/// most `maxTokens` rows come out.
public enum AveragePooling {
    public static func effectiveStride(rows: Int, stride: Int, maxTokens: Int) -> Int {
        max(stride, (rows + maxTokens - 1) / maxTokens, 1)
    }

    public static func pool(_ input: Tensor, stride: Int, maxTokens: Int) -> Tensor {
        precondition(input.rank == 2, "pooling needs [rows, width], got \(input.shape)")
        let rows = input.shape[0], width = input.shape[1]
        guard rows > 0 else { return input }
        let s = effectiveStride(rows: rows, stride: stride, maxTokens: maxTokens)
        let outRows = (rows + s - 1) / s
        var out = [Float](repeating: 0, count: outRows * width)
        input.scalars.withUnsafeBufferPointer { x in
            for o in 0..<outRows {
                let begin = o * s, end = min(rows, begin + s)
                for r in begin..<end {
                    for c in 0..<width { out[o * width + c] += x[r * width + c] }
                }
                let scale = 1 / Float(end - begin)
                for c in 0..<width { out[o * width + c] *= scale }
            }
        }
        return Tensor(shape: [outRows, width], scalars: out)
    }
}

/// The adapters' raw inputs, already turned into features by the frozen encoders:
/// - `textEmbeddings`: the style instruction's tokens embedded with the semantic model's input
///   table `[tokens, H]` (used as they are: the text adapter has no weights of its own);
/// - `audioFeatures`: EnCodec encoder output `[frames, 128]` (75 Hz, pre-quantiser);
/// - `imagePooled` `[Hc]` and `imageHidden` `[1 + patches, Hc]`: CLIP outputs;
/// - `controlEvents`: sorted events.
public struct ModalityFeatures: Sendable {
    public var textEmbeddings: Tensor?
    public var audioFeatures: Tensor?
    public var imagePooled: Tensor?
    public var imageHidden: Tensor?
    public var controlEvents: [ControlEvent]

    public init(textEmbeddings: Tensor? = nil, audioFeatures: Tensor? = nil, imagePooled: Tensor? = nil,
                imageHidden: Tensor? = nil, controlEvents: [ControlEvent] = []) {
        self.textEmbeddings = textEmbeddings
        self.audioFeatures = audioFeatures
        self.imagePooled = imagePooled
        self.imageHidden = imageHidden
        self.controlEvents = controlEvents
    }
}

/// Control events → reserved ids and embeddings.
///
/// Each kind owns `slotsPerKind` rows of `control.embeddings.weight`: local id =
/// `kind.index · slotsPerKind + slot`, where `slot` is 0 without a payload, `floor(number) mod
/// slots` for a number, and FNV-1a-64(UTF-8) `mod slots` for a string. The global reserved id is
/// `reservedBase + local id`, beyond every Bark vocabulary (`reservedBase` = the semantic input
/// vocabulary size), so control ids never collide with text or semantic ids.
/// Token = `E[local id] + sinusoid(seconds · frameRate)` (`[sin(p·f_i), cos(p·f_i)]` interleaved,
/// `f_i = 10000^(−2i/H)`).
public struct ControlVocabulary: Sendable {
    public let slotsPerKind: Int
    public init(slotsPerKind: Int) { self.slotsPerKind = slotsPerKind }

    public func localID(_ event: ControlEvent) -> Int {
        let slot: Int
        switch event.payload {
        case .none: slot = 0
        case let .number(n):
            let f = n.rounded(.down)
            let m = f.truncatingRemainder(dividingBy: Double(slotsPerKind))
            slot = Int(m < 0 ? m + Double(slotsPerKind) : m)
        case let .string(s): slot = Int(Self.fnv1a(s) % UInt64(slotsPerKind))
        }
        return event.kind.index * slotsPerKind + slot
    }

    public func reservedID(_ event: ControlEvent, reservedBase: Int) -> Int { reservedBase + localID(event) }

    public static func fnv1a(_ string: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in string.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Sinusoidal encoding of `position` into `width` floats.
    public static func timeEncoding(position: Double, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: width)
        for i in 0..<(width / 2) {
            let frequency = pow(10_000, -2 * Double(i) / Double(width))
            out[2 * i] = Float(sin(position * frequency))
            out[2 * i + 1] = Float(cos(position * frequency))
        }
        return out
    }
}

/// Every trained part of the conditioning path (loaded by `AdapterCheckpoint`).
///
/// Immutable and `Sendable`.
public struct OmniAdapters: Sendable {
    public let configuration: AdapterConfiguration
    public let audioHead: ProjectionHead
    public let imageHead: ProjectionHead
    /// `[4 · slotsPerKind, H]`.
    public let controlEmbeddings: Embedding
    /// `[4, H]`, row = `Modality.rawValue`.
    public let typeTags: Embedding
    public let routing: RoutingMLP
    /// By semantic decoder layer index.
    public let layers: [Int: CrossAttentionLayer]
    /// Format 6: sets the semantic stage's rate clock; nil before.
    public let rateClock: RateClockHead?

    public init(configuration: AdapterConfiguration, audioHead: ProjectionHead, imageHead: ProjectionHead,
                controlEmbeddings: Embedding, typeTags: Embedding, routing: RoutingMLP, layers: [Int: CrossAttentionLayer],
                rateClock: RateClockHead? = nil) {
        self.configuration = configuration
        self.audioHead = audioHead
        self.imageHead = imageHead
        self.controlEmbeddings = controlEmbeddings
        self.typeTags = typeTags
        self.routing = routing
        self.layers = layers
        self.rateClock = rateClock
    }

    public var hiddenSize: Int { configuration.hiddenSize }

    // MARK: - Adapters (each returns [tokens, H])

    /// Text adapter: the instruction's embeddings as they are.
    public func textTokens(_ embeddings: Tensor) -> Tensor { embeddings }

    /// Audio adapter: pool the encoder frames, then the projection head.
    public func audioTokens(_ features: Tensor) -> Tensor {
        audioHead(AveragePooling.pool(features, stride: configuration.audioPoolStride, maxTokens: configuration.audioMaxTokens))
    }

    /// Image adapter: `[pooled; pool(patches)]` → projection head (patches only with `imagePatchTokens`).
    public func imageTokens(pooled: Tensor, hidden: Tensor?) -> Tensor {
        let width = configuration.imageInputSize
        var rows = pooled.scalars
        if configuration.imagePatchTokens, let hidden, hidden.shape[0] > 1, configuration.imageMaxTokens > 1 {
            let patches = Tensor(shape: [hidden.shape[0] - 1, width], scalars: Array(hidden.scalars[width...]))
            rows += AveragePooling.pool(patches, stride: 1, maxTokens: configuration.imageMaxTokens - 1).scalars
        }
        return imageHead(Tensor(shape: [rows.count / width, width], scalars: rows))
    }

    /// Control adapter: embedding of each event's id plus its time encoding.
    public func controlTokens(_ events: [ControlEvent]) -> Tensor {
        let h = hiddenSize
        let vocabulary = ControlVocabulary(slotsPerKind: configuration.controlSlotsPerKind)
        var out = [Float](repeating: 0, count: events.count * h)
        controlEmbeddings.lookup(events.map(vocabulary.localID), into: &out)
        for (row, event) in events.enumerated() {
            let encoding = ControlVocabulary.timeEncoding(position: event.seconds() * configuration.controlFrameRate, width: h)
            for c in 0..<h { out[row * h + c] += encoding[c] }
        }
        return Tensor(shape: [events.count, h], scalars: out)
    }

    /// Runs every adapter whose input is present and weighted above 0, builds the memory (tokens +
    /// type tags, in modality order) and the routing weights. Checks the feature widths.
    public func memory(_ features: ModalityFeatures, routing routes: ModalityRouting = ModalityRouting()) throws -> FusionMemory {
        let h = hiddenSize
        var perModality: [(Modality, Tensor)] = []
        func include(_ m: Modality) -> Bool { routes[m].weight > 0 }
        if let text = features.textEmbeddings, text.shape.first ?? 0 > 0, include(.text) {
            guard text.rank == 2, text.shape[1] == h else { throw AdapterError.featureShape(modality: .text, expected: "[tokens, \(h)]", actual: text.shape) }
            perModality.append((.text, textTokens(text)))
        }
        if let audio = features.audioFeatures, audio.shape.first ?? 0 > 0, include(.audio) {
            guard audio.rank == 2, audio.shape[1] == configuration.audioInputSize else {
                throw AdapterError.featureShape(modality: .audio, expected: "[frames, \(configuration.audioInputSize)]", actual: audio.shape)
            }
            perModality.append((.audio, audioTokens(audio)))
        }
        if let pooled = features.imagePooled, include(.image) {
            let w = configuration.imageInputSize
            guard pooled.shape == [w] else { throw AdapterError.featureShape(modality: .image, expected: "[\(w)]", actual: pooled.shape) }
            if let hidden = features.imageHidden, hidden.rank != 2 || hidden.shape[1] != w || hidden.shape[0] < 1 {
                throw AdapterError.featureShape(modality: .image, expected: "[tokens, \(w)]", actual: hidden.shape)
            }
            perModality.append((.image, imageTokens(pooled: pooled, hidden: features.imageHidden)))
        }
        if !features.controlEvents.isEmpty, include(.control) {
            perModality.append((.control, controlTokens(features.controlEvents)))
        }
        var tokens: [Float] = []
        var owners: [Modality] = []
        var summaries = [Float](repeating: 0, count: Modality.allCases.count * h)
        var present = [Bool](repeating: false, count: Modality.allCases.count)
        for (modality, t) in perModality {
            let rows = t.shape[0]
            present[modality.rawValue] = true
            let tag = typeTags.table.scalars[(modality.rawValue * h)..<((modality.rawValue + 1) * h)]
            for r in 0..<rows {
                for c in 0..<h {
                    let v = t.scalars[r * h + c]
                    summaries[modality.rawValue * h + c] += v
                    tokens.append(v + tag[tag.startIndex + c])
                }
                owners.append(modality)
            }
            for c in 0..<h { summaries[modality.rawValue * h + c] /= Float(rows) }
        }
        let weights = routing.weights(summaries: summaries, present: present,
                                      logBias: Modality.allCases.map { routes[$0].weight > 0 ? Float(log(Double(routes[$0].weight))) : 0 })
        var memory = FusionMemory(tokens: Tensor(shape: [owners.count, h], scalars: tokens), owners: owners,
                                  routeWeights: weights, summaries: Tensor(shape: [Modality.allCases.count, h], scalars: summaries))
        if owners.contains(.control) { memory.controlEvents = features.controlEvents }
        return memory
    }
}

/// Errors from running the adapters.
public enum AdapterError: Error, Sendable, Equatable, CustomStringConvertible {
    case featureShape(modality: Modality, expected: String, actual: [Int])
    case layerOutOfRange(layer: Int, layers: Int)
    case hiddenSizeMismatch(adapters: Int, model: Int)
    case missingEncoder(modality: Modality, reason: String)

    public var description: String {
        switch self {
        case let .featureShape(modality, expected, actual): return "\(modality) features have shape \(actual), expected \(expected)"
        case let .layerOutOfRange(layer, layers): return "adapter fusion layer \(layer) does not exist: the semantic model has \(layers) layers"
        case let .hiddenSizeMismatch(adapters, model): return "adapters are for hidden size \(adapters), the semantic model has \(model)"
        case let .missingEncoder(modality, reason): return "cannot encode \(modality): \(reason)"
        }
    }
}

extension AdapterError: LocalizedError {
    public var errorDescription: String? { description }
}
