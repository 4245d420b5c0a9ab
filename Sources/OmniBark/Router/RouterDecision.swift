/// One change the router made, with why.
public struct RouterDecision: Sendable, Equatable, CustomStringConvertible {
    public enum Action: String, Sendable, Equatable { case apply, restore }
    public var step: RouterStep
    public var action: Action
    /// What changed, e.g. "skip image (priority 0)", "fusion layers 4 → 2".
    public var detail: String
    /// Predicted compute seconds per audio second before and after.
    public var predictedBefore: Double
    public var predictedAfter: Double
    /// Seconds (router clock) when it was taken.
    public var time: Double

    public var description: String {
        String(format: "%@ %@: %@ (predicted real-time factor %.2f → %.2f)", action.rawValue, step.rawValue, detail,
               predictedBefore, predictedAfter)
    }
}
