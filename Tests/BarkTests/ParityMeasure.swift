import Checkpoints
import Foundation
import Tensors
import TestSupport

/// Relative error used by the parity tests: `max |ours − reference| / max |reference|` over all
/// elements. Tolerance for float32 logits: 1e-4 (DESIGN.md, Numerics).
func relativeError(_ ours: [Float], _ reference: [Float]) -> Float {
    precondition(ours.count == reference.count, "element counts differ: \(ours.count) vs \(reference.count)")
    var worst: Float = 0, scale: Float = 0
    for (a, b) in zip(ours, reference) {
        worst = max(worst, abs(a - b))
        scale = max(scale, abs(b))
    }
    return worst / max(scale, Float.leastNormalMagnitude)
}

let logitTolerance: Float = 1e-4

/// Reads a reference `.npy` from a fixture's `reference/` folder.
func referenceArray(_ fixture: String, _ name: String) throws -> NumpyArray {
    try NumpyArray(contentsOf: FixturePaths.fixtures.appendingPathComponent(fixture)
        .appendingPathComponent("reference").appendingPathComponent(name + ".npy"))
}

/// The two tiny Bark fixtures made by `scripts/make_bark_fixtures.py`.
let barkFixtures = ["bark-tiny-nobias", "bark-tiny-bias"]

/// Appends a measured figure to the report printed at the end of the parity run (stdout).
func reportParity(_ fixture: String, _ what: String, _ error: Float) {
    print("parity \(fixture) \(what): max relative error \(String(format: "%.3e", error))")
}
