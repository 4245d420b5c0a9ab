/// The three transformer stages of Bark, in pipeline order, with the key prefix each one's
/// tensors carry inside a Hugging Face `BarkModel` checkpoint.
public enum BarkStage: String, Sendable, CaseIterable {
    /// Text → semantic tokens (causal GPT). Suno's file: `text.pt`.
    case semantic
    /// Semantic → first two EnCodec codebooks, interleaved (causal GPT). Suno's file: `coarse.pt`.
    case coarse
    /// Coarse → all EnCodec codebooks (non-causal). Suno's file: `fine.pt`.
    case fine

    /// Prefix of this stage's tensors in an HF `BarkModel` state dict, including the dot.
    public var checkpointPrefix: String {
        switch self {
        case .semantic: return "semantic."
        case .coarse: return "coarse_acoustics."
        case .fine: return "fine_acoustics."
        }
    }

    /// Key of this stage's sub-configuration in an HF `BarkModel` `config.json`.
    public var configurationKey: String {
        switch self {
        case .semantic: return "semantic_config"
        case .coarse: return "coarse_acoustics_config"
        case .fine: return "fine_acoustics_config"
        }
    }

    /// Whether attention is causal (semantic, coarse) or full (fine).
    public var isCausal: Bool { self != .fine }
}
