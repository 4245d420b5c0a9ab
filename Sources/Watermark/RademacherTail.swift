import Foundation

/// The tail of the detector's null distribution: a normalized Rademacher sum.
enum RademacherTail {
    /// Hoeffding's bound exp(−z²/2) on P(Σ εᵢaᵢ ≥ z·‖a‖) for independent random signs εᵢ: a
    /// rigorous tail whatever the weights aᵢ (1 for z ≤ 0).
    static func bound(above z: Double) -> Double { z > 0 ? exp(-z * z / 2) : 1 }
}
