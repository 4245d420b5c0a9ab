/// One way the router can save time, in the order a preset lists them (`router` policy order).
public enum RouterStep: String, Sendable, Equatable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Leave out the lowest-priority modality that is not required (its encoder and its memory
    /// rows; fewer fusion keys per step).
    case skipModality = "skip-modality"
    /// Keep half the fusion layers (at least one).
    case dropFusionLayers = "drop-fusion-layers"
    /// Predict fewer fine codebooks (needs a fine stage that supports it).
    case fewerFineCodebooks = "fewer-fine-codebooks"
    /// Halve the chunked fine stage's context (down to 32 frames).
    case shorterFineContext = "shorter-fine-context"
    /// The coarse stage continues its KV cache instead of re-reading windows (needs the live mode).
    case rollingCoarse = "rolling-coarse"
    /// Switch to a lighter weight format (needs one loaded).
    case lighterWeights = "lighter-weights"

    public var description: String { rawValue }

    /// The default order: what costs least in quality first.
    public static let defaultOrder: [RouterStep] = [.skipModality, .dropFusionLayers, .shorterFineContext, .fewerFineCodebooks,
                                                    .rollingCoarse, .lighterWeights]
}
