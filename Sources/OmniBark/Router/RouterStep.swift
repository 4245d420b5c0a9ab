/// One way the router can save time, in the order a preset lists them (`router` policy order).
public enum RouterStep: String, Sendable, Equatable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Leave out the lowest-priority modality that is not required (its encoder and its memory
    /// rows; fewer fusion keys per step).
    case skipModality = "skip-modality"
    /// Keep half the fusion layers (at least one), the lowest-numbered; the others still run while
    /// the semantic stage is inside a control event's window (`ControlEventWindows`).
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

    /// Why a list of step names was refused (`order(named:)`): the 0-based index and the name.
    public enum ListProblem: Error, Equatable {
        case unknown(index: Int, name: String)
        case repeated(index: Int, name: String)
    }

    /// Step names (raw values) as an order for the router: a preset's `router_steps` or `bench
    /// --router-steps`. Possibly empty; each step at most once.
    ///
    /// - Throws: `ListProblem` for the first unknown or repeated name.
    public static func order(named names: [String]) throws -> [RouterStep] {
        var steps: [RouterStep] = []
        for (index, name) in names.enumerated() {
            guard let step = RouterStep(rawValue: name) else { throw ListProblem.unknown(index: index, name: name) }
            guard !steps.contains(step) else { throw ListProblem.repeated(index: index, name: name) }
            steps.append(step)
        }
        return steps
    }

    /// The default order: what costs least in quality first.
    public static let defaultOrder: [RouterStep] = [.skipModality, .dropFusionLayers, .shorterFineContext, .fewerFineCodebooks,
                                                    .rollingCoarse, .lighterWeights, .coarseOnly]
}
