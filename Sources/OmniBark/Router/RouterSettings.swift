import Modalities

/// How the engine's router runs (`EngineConfiguration.router`; nil: off).
public struct RouterSettings: Sendable {
    /// Target time to first audio, maximum lag, minimum lead (the preset's `latency`).
    public var budget: EnginePreset.Latency
    /// The policy steps, in the order they are tried.
    public var order: [RouterStep]
    /// The warm start (`CostProfile`, from `omnibark bench --calibrate`); updated live.
    public var costs: CostModel
    /// Modalities never skipped (the preset's `required`).
    public var required: Set<Modality>
    /// The same model in a lighter weight format, for the `lighter-weights` step (nil: that step
    /// is not available).
    public var lighter: LighterWeights?

    public init(budget: EnginePreset.Latency, order: [RouterStep] = RouterStep.defaultOrder, costs: CostModel = CostModel(),
                required: Set<Modality> = [], lighter: LighterWeights? = nil) {
        self.budget = budget
        self.order = order
        self.costs = costs
        self.required = required
        self.lighter = lighter
    }
}
