import Modalities

/// Something whose cost the router tracks, with the unit its cost is measured in.
public enum RouterComponent: Hashable, Sendable, CustomStringConvertible, Codable {
    /// One semantic decode step without fusion (seconds per token; 49.9 tokens per audio second).
    case semanticStep
    /// One fusion (cross-attention) layer during one semantic step (seconds per layer-step).
    case fusionLayerStep
    /// One coarse token (seconds; 150 per audio second), window prefills included.
    case coarseToken
    /// One coarse token in the live mode's rolling coarse stage (its KV cache continued across
    /// windows).
    case coarseTokenRolling
    /// One final fine frame with the context in use (seconds; 75 per audio second).
    case fineFrame
    /// One EnCodec decoder frame (seconds; 75 per audio second).
    case codecFrame
    /// Encoding one modality's input once per utterance (reference audio, image, style, events).
    case encoder(Modality)

    public var description: String {
        switch self {
        case .semanticStep: return "semantic step"
        case .fusionLayerStep: return "fusion layer step"
        case .coarseToken: return "coarse token"
        case .coarseTokenRolling: return "rolling coarse token"
        case .fineFrame: return "fine frame"
        case .codecFrame: return "codec frame"
        case let .encoder(modality): return "\(modality) encoder"
        }
    }

    /// A stable key for cost profiles (`semantic_step`, `encoder.audio`, …).
    public var key: String {
        switch self {
        case .semanticStep: return "semantic_step"
        case .fusionLayerStep: return "fusion_layer_step"
        case .coarseToken: return "coarse_token"
        case .coarseTokenRolling: return "coarse_token_rolling"
        case .fineFrame: return "fine_frame"
        case .codecFrame: return "codec_frame"
        case let .encoder(modality): return "encoder.\(modality.routingName)"
        }
    }

    /// Every component, for profiles and reports.
    public static let all: [RouterComponent] = [.semanticStep, .fusionLayerStep, .coarseToken, .coarseTokenRolling, .fineFrame, .codecFrame]
        + Modality.allCases.map { .encoder($0) }

    /// The component a profile key names.
    public init?(key: String) {
        guard let match = Self.all.first(where: { $0.key == key }) else { return nil }
        self = match
    }
}
