/// Relative error used by the parity tests: `max |ours − reference| / max |reference|` over all
/// elements. Tolerance for float32 logits: 1e-4 (DESIGN.md, Numerics).
public func relativeError(_ ours: [Float], _ reference: [Float]) -> Float {
    precondition(ours.count == reference.count, "element counts differ: \(ours.count) vs \(reference.count)")
    var worst: Float = 0, scale: Float = 0
    for (a, b) in zip(ours, reference) {
        worst = max(worst, abs(a - b))
        scale = max(scale, abs(b))
    }
    return worst / max(scale, Float.leastNormalMagnitude)
}
