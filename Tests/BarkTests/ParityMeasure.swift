import Checkpoints
import Foundation
import Tensors
import TestSupport

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
