/// The Bark models `omnibark models pull` knows, and their repositories on the hub.
public enum HubModel: String, Sendable, CaseIterable {
    /// suno/bark-small: the small text, coarse and fine models.
    case barkSmall = "bark-small"
    /// suno/bark: the large models.
    case bark = "bark"

    /// The repository id on the hub.
    public var repositoryID: String {
        switch self {
        case .barkSmall: return "suno/bark-small"
        case .bark: return "suno/bark"
        }
    }
}
