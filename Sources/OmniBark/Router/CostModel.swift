import Foundation

/// Exponentially weighted cost estimates per component (seconds per unit), warm-started from a
/// calibration profile and updated from what the engine measures.
///
/// A value type owned by one thread (the generation thread, or a test).
public struct CostModel: Sendable, Equatable {
    /// Weight of a new observation (0…1].
    public var smoothing: Double
    private(set) var estimates: [RouterComponent: Double] = [:]

    public init(smoothing: Double = 0.25, estimates: [RouterComponent: Double] = [:]) {
        self.smoothing = min(1, max(0.01, smoothing))
        self.estimates = estimates.filter { $0.value.isFinite && $0.value >= 0 }
    }

    /// Seconds per unit of `component`, if known.
    public func estimate(_ component: RouterComponent) -> Double? { estimates[component] }

    /// Folds in one measurement: `seconds` spent on `units` units (ignored when units ≤ 0 or the
    /// time is not finite).
    public mutating func observe(_ component: RouterComponent, seconds: Double, units: Double = 1) {
        guard units > 0, seconds.isFinite, seconds >= 0 else { return }
        let perUnit = seconds / units
        if let old = estimates[component] {
            estimates[component] = old + smoothing * (perUnit - old)
        } else {
            estimates[component] = perUnit
        }
    }

    /// Every estimate, by profile key.
    public var profile: [String: Double] {
        Dictionary(uniqueKeysWithValues: estimates.map { ($0.key.key, $0.value) })
    }
}
