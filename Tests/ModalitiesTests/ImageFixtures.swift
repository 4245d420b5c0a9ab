import Checkpoints
import Foundation
import TestSupport
import Modalities

/// Paths and helpers for `Tests/Fixtures/clip` (made by `scripts/make_clip_fixtures.py`).
enum CLIPFixture {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ModalitiesTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/clip", isDirectory: true)
    static let images = directory.appendingPathComponent("images", isDirectory: true)

    static func image(_ name: String) -> URL { images.appendingPathComponent(name) }

    /// `manifest.json`: image descriptions, parity list and FNV-1a hashes of the expected RGB bytes.
    static func manifest() throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Array key used in the fixture archives for an image file name (`a.png` → `a_png`).
    static func key(_ name: String) -> String { name.replacingOccurrences(of: ".", with: "_") }

    static func fnv1a64(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// `max |ours − reference|`.
    static func maxAbsDifference(_ ours: [Float], _ reference: [Float]) -> Float {
        precondition(ours.count == reference.count)
        return zip(ours, reference).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// `max |ours − reference| / max |reference|`.
    static func relativeError(_ ours: [Float], _ reference: [Float]) -> Float {
        TestSupport.relativeError(ours, reference)
    }
}
