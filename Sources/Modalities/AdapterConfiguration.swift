import Foundation

/// Shapes and settings of an adapter checkpoint, stored as JSON in the safetensors
/// `__metadata__` under `omnibark_adapters` (snake_case keys, as written here).
///
/// ```json
/// {"format_version":1,"hidden_size":768,"heads":12,"fusion_layers":[3,7,11],
///  "audio_input_size":128,"audio_pool_stride":4,"audio_max_tokens":64,
///  "image_input_size":768,"image_patch_tokens":true,"image_max_tokens":17,
///  "control_slots_per_kind":64,"control_frame_rate":75,"routing_hidden_size":64,
///  "layer_norm_epsilon":1e-5}
/// ```
public struct AdapterConfiguration: Sendable, Equatable, Codable {
    public static let metadataKey = "omnibark_adapters"
    /// 1: the original layout; 2: every fusion layer also has an attention sink (`null_key`, `null_value`);
    /// 3: and a route sharpness (`route_sharpness`), how strongly routing weights bias its attention;
    /// 4: the same tensors, with values scaled by routing weight relative to the heaviest modality's;
    /// 5: and a gated feed-forward block after each cross-attention (`ffn_norm`, `ffn.0`, `ffn.2`, `ffn_gate`);
    /// 6: and a rate-clock head (`rate_clock.weight`, `rate_clock.bias`).
    public static let supportedFormatVersions = 1...6

    /// 1 to 6 (see `hasAttentionSink`, `hasRouteSharpness`, `scalesValuesRelativeToHeaviest`,
    /// `hasFeedForward`, `hasRateClock`). New configurations are version 1 unless a sink is wanted.
    public var formatVersion = 1
    /// The semantic model's hidden size H (every adapter projects to it).
    public var hiddenSize: Int
    /// Attention heads of each cross-attention layer (H divisible by it).
    public var heads: Int
    /// Semantic decoder layers (0-based block indices) followed by a gated cross-attention layer.
    public var fusionLayers: [Int]
    /// EnCodec encoder embedding width (128 for Bark's codec).
    public var audioInputSize = 128
    /// Average-pooling window and stride over 75 Hz encoder frames (4 → 18.75 tokens/s).
    public var audioPoolStride = 4
    /// At most this many audio tokens: the stride grows to `ceil(frames / audioMaxTokens)` if needed.
    public var audioMaxTokens = 64
    /// CLIP vision hidden size (768 for ViT-B).
    public var imageInputSize = 768
    /// Besides the pooled output, use CLIP's last hidden state (patch rows, average-pooled in
    /// row-major order) as image tokens.
    public var imagePatchTokens = true
    /// At most this many image tokens (pooled + patches).
    public var imageMaxTokens = 17
    /// Control embedding rows per event kind (`control.embeddings.weight` has 4 × this rows).
    public var controlSlotsPerKind = 64
    /// Time encoding position = seconds × this (EnCodec frames).
    public var controlFrameRate = 75.0
    /// Hidden width of the routing MLP.
    public var routingHiddenSize = 64
    public var layerNormEpsilon = 1e-5
    /// Format 6: the decoder layer (one of `fusionLayers`) after which, with its fusion layer, the rate-clock
    /// head reads the infer token's residual state (standardized); nil: the final-LayerNorm state. A layer
    /// the latency router keeps (it keeps the lowest-numbered) leaves the clock unchanged when it drops the
    /// others.
    public var rateClockLayer: Int?
    /// Format 6: control event kinds at which the rate clock stands still (`ControlClockHold`), so the
    /// words after an inserted pause or sound keep their place; nil or empty: none.
    public var clockHolds: [ControlClockHold]?

    /// Format 2: each cross-attention layer attends, besides the memory, to one learned row (key
    /// `null_key`, value `null_value`) that no modality owns, so a layer can attend to "nothing" and
    /// the weight it gives one memory row can vary along the sequence — with a single memory row and no
    /// sink, softmax gives that row weight 1 at every position (a control event could not say *when*).
    public var hasAttentionSink: Bool { formatVersion >= 2 }

    /// Format 3: each cross-attention layer adds `route_sharpness · ln(g_route / max g_route)` to the
    /// attention scores of a modality's rows, so a heavier modality (`--weight`, a preset's routing) can
    /// take the attention from a lighter one that says otherwise (see `CrossAttentionLayer`).
    public var hasRouteSharpness: Bool { formatVersion >= 3 }

    /// Format 4: a memory row's value is scaled by `g_route / max g_route` of its modality rather than by
    /// `g_route` itself, so the heaviest modality speaks at full strength whatever else is present. In
    /// format 3 a modality given routing weight 3 against one other was scaled by about 0.75 and steered
    /// less often than alone (68–78 % against 74–82 % on OmniBark-tiny, 72–86 % in format 4 on the same
    /// inputs); one modality alone is the same in both formats. Format 4 adds no tensors.
    public var scalesValuesRelativeToHeaviest: Bool { formatVersion >= 4 }

    /// Format 5: each fusion layer also has a `GatedFeedForward` block (4H wide) after its
    /// cross-attention, so the conditioning can change the computation position by position.
    public var hasFeedForward: Bool { formatVersion >= 5 }

    /// Format 6: a `RateClockHead` sets the semantic stage's position clock (`SemanticRateClock`) from
    /// the conditioned infer token, so a slow or fast rendering advances through the text at the pace the
    /// frozen model learned for normal speech; an adapter that only adds to the hidden states cannot.
    public var hasRateClock: Bool { formatVersion >= 6 }

    public init(hiddenSize: Int, heads: Int, fusionLayers: [Int]) {
        self.hiddenSize = hiddenSize
        self.heads = heads
        self.fusionLayers = fusionLayers
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", hiddenSize = "hidden_size", heads, fusionLayers = "fusion_layers"
        case audioInputSize = "audio_input_size", audioPoolStride = "audio_pool_stride", audioMaxTokens = "audio_max_tokens"
        case imageInputSize = "image_input_size", imagePatchTokens = "image_patch_tokens", imageMaxTokens = "image_max_tokens"
        case controlSlotsPerKind = "control_slots_per_kind", controlFrameRate = "control_frame_rate"
        case routingHiddenSize = "routing_hidden_size", layerNormEpsilon = "layer_norm_epsilon"
        case rateClockLayer = "rate_clock_layer", clockHolds = "clock_holds"
    }

    /// Every field's constraint; the reason names the field.
    public func validationProblem() -> (field: String, reason: String)? {
        if !Self.supportedFormatVersions.contains(formatVersion) {
            return ("format_version", "\(formatVersion) is not supported (expected 1 to 6)")
        }
        if hiddenSize <= 0 || hiddenSize > 65_536 { return ("hidden_size", "must be in 1…65536, got \(hiddenSize)") }
        if heads <= 0 || hiddenSize % heads != 0 { return ("heads", "must divide hidden_size \(hiddenSize), got \(heads)") }
        if hiddenSize % 2 != 0 { return ("hidden_size", "must be even (sinusoidal time encoding), got \(hiddenSize)") }
        if fusionLayers.contains(where: { $0 < 0 || $0 > 1024 }) || Set(fusionLayers).count != fusionLayers.count {
            return ("fusion_layers", "must be distinct decoder layer indices ≥ 0, got \(fusionLayers)")
        }
        if audioInputSize <= 0 || audioInputSize > 65_536 { return ("audio_input_size", "must be positive, got \(audioInputSize)") }
        if audioPoolStride <= 0 { return ("audio_pool_stride", "must be positive, got \(audioPoolStride)") }
        if audioMaxTokens <= 0 || audioMaxTokens > 4096 { return ("audio_max_tokens", "must be in 1…4096, got \(audioMaxTokens)") }
        if imageInputSize <= 0 || imageInputSize > 65_536 { return ("image_input_size", "must be positive, got \(imageInputSize)") }
        if imageMaxTokens <= 0 || imageMaxTokens > 4096 { return ("image_max_tokens", "must be in 1…4096, got \(imageMaxTokens)") }
        if controlSlotsPerKind <= 0 || controlSlotsPerKind > 1 << 20 { return ("control_slots_per_kind", "must be positive, got \(controlSlotsPerKind)") }
        if !(controlFrameRate > 0 && controlFrameRate.isFinite) { return ("control_frame_rate", "must be positive, got \(controlFrameRate)") }
        if routingHiddenSize <= 0 || routingHiddenSize > 65_536 { return ("routing_hidden_size", "must be positive, got \(routingHiddenSize)") }
        if !(layerNormEpsilon > 0 && layerNormEpsilon < 1) { return ("layer_norm_epsilon", "must be in (0, 1), got \(layerNormEpsilon)") }
        if let layer = rateClockLayer, !hasRateClock || !fusionLayers.contains(layer) {
            return ("rate_clock_layer", "must be one of fusion_layers \(fusionLayers) in format 6 or later, got \(layer)")
        }
        if let holds = clockHolds, !holds.isEmpty {
            if !hasRateClock { return ("clock_holds", "needs format 6 or later, got format \(formatVersion)") }
            var kinds = Set<ControlEvent.Kind>()
            for (i, hold) in holds.enumerated() {
                guard let kind = ControlEvent.Kind(name: hold.kind) else {
                    return ("clock_holds[\(i)].kind", "must be a control event kind (beat, phoneme, sfx, style), got \"\(hold.kind)\"")
                }
                if !kinds.insert(kind).inserted { return ("clock_holds[\(i)].kind", "\(hold.kind) is listed twice") }
                if !(1...4096).contains(hold.units) { return ("clock_holds[\(i)].units", "must be in 1…4096, got \(hold.units)") }
                if !(0...4096).contains(hold.lead) { return ("clock_holds[\(i)].lead", "must be in 0…4096, got \(hold.lead)") }
            }
        }
        return nil
    }

    /// The JSON stored in `__metadata__`.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
