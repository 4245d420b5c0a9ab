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
    /// Switch the fine stage off: the codec decodes the coarse stage's codebooks alone (EnCodec at
    /// 1.5 kbit/s for Bark's 2; needs the chunked fine stage). The last resort before gaps on air:
    /// the audio loses its residual detail, the words stay.
    case coarseOnly = "coarse-only"

    public var description: String { rawValue }

    /// The default order: what costs least in quality first.
    public static let defaultOrder: [RouterStep] = [.skipModality, .dropFusionLayers, .shorterFineContext, .fewerFineCodebooks,
                                                    .rollingCoarse, .lighterWeights, .coarseOnly]
}
