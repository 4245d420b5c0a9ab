import Bark
import Foundation

/// The rate-clock head of a format-6 adapter file (`rate_clock.weight [1, H]`, `rate_clock.bias [1]`):
/// from a state x of the infer token after the prefill ran with the fusion layers — its final-LayerNorm
/// output, or with `AdapterConfiguration.rateClockLayer` its standardized residual state after that
/// layer (`stride(residualState:)`) — the log of the speaking rate's stride, `ln s = w · x + b`; the semantic stage then
/// places unit k at the position `SemanticRateClock` gives for s (about 1.48 for slow speech, 0.69 for
/// fast, 1 for normal). Trained on the stride of each target recording (its units over its sentence's
/// normal-rate recording's), so whatever steers the rate (a style tag, a reference recording, an image,
/// the heavier of two that disagree) also moves the clock.
public struct RateClockHead: Sendable {
    /// `[H]`.
    public let weight: [Float]
    public let bias: Float

    public init(weight: [Float], bias: Float) {
        self.weight = weight
        self.bias = bias
    }

    /// The stride for a residual state `[H]` read after a fusion layer (`AdapterConfiguration.rateClockLayer`):
    /// standardized first (a LayerNorm without weights, ε 1e-5), as the training code reads it.
    public func stride(residualState state: ArraySlice<Float>) -> Double {
        let count = Double(state.count)
        let mean = state.reduce(0.0) { $0 + Double($1) } / count
        let variance = state.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
        let scale = 1 / (variance + 1e-5).squareRoot()
        return stride(inferTokenState: ArraySlice(state.map { Float((Double($0) - mean) * scale) }))
    }

    /// The stride for the infer token's state `[H]`, clamped to `SemanticRateClock.strideRange`.
    public func stride(inferTokenState state: ArraySlice<Float>) -> Double {
        precondition(state.count == weight.count, "rate clock: state of \(state.count) values for a head of \(weight.count)")
        var logStride = Double(bias)
        for (w, x) in zip(weight, state) { logStride += Double(w) * Double(x) }
        let range = SemanticRateClock.strideRange
        return min(max(exp(logStride), range.lowerBound), range.upperBound)
    }
}
