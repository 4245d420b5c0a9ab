import Foundation

/// Measures of how much a mark changed a signal.
public enum SignalQuality {
    /// Scale-invariant signal-to-noise ratio of `estimate` against `reference` in dB:
    /// 10·log10(‖αs‖² / ‖αs − ŝ‖²) with α the least-squares scale (both zero-mean is not imposed).
    /// +∞ when they are equal; nil when the reference is silent or the lengths differ.
    public static func siSNR(reference: [Float], estimate: [Float]) -> Double? {
        guard reference.count == estimate.count else { return nil }
        var dot = 0.0
        var energy = 0.0
        for (r, e) in zip(reference, estimate) {
            dot += Double(r) * Double(e)
            energy += Double(r) * Double(r)
        }
        guard energy > 0 else { return nil }
        let alpha = dot / energy
        var target = 0.0
        var noise = 0.0
        for (r, e) in zip(reference, estimate) {
            let t = alpha * Double(r)
            target += t * t
            noise += (t - Double(e)) * (t - Double(e))
        }
        return noise > 0 ? 10 * log10(target / noise) : .infinity
    }
}
