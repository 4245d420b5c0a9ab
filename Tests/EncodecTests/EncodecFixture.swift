import Checkpoints
import Encodec
import Foundation
import Tensors
import TestSupport

/// One codec with its reference outputs (see scripts/make_encodec_fixtures.py).
struct EncodecFixture: Sendable, CustomStringConvertible {
    let name: String
    let model: EncodecModel
    let reference: URL

    var description: String { name }

    static let names = ["bark-tiny-nobias", "bark-tiny-bias", "encodec-tiny-legacy"]

    /// Loads fixture `name`: a Bark codec (`codec_model.` prefix) or the stand-alone legacy model.
    static func load(_ name: String) throws -> EncodecFixture {
        if name == "encodec-tiny-legacy" {
            return EncodecFixture(name: name, model: try EncodecModel.load(directory: FixturePaths.legacy),
                                  reference: FixturePaths.legacy.appendingPathComponent("reference"))
        }
        let directory = FixturePaths.bark(name)
        let model = try EncodecModel(configuration: try barkCodecConfiguration(directory),
                                     container: try openCheckpoint(at: directory.appendingPathComponent("model.safetensors")),
                                     prefix: "codec_model.")
        return EncodecFixture(name: name, model: model, reference: FixturePaths.encodec.appendingPathComponent(name))
    }

    /// `codec_config` of a Bark `config.json`.
    static func barkCodecConfiguration(_ directory: URL) throws -> EncodecConfiguration {
        let url = directory.appendingPathComponent("config.json")
        let root = try CheckpointValue.parseJSON(try Data(contentsOf: url), file: url.path).dictionaryValue ?? [:]
        return try EncodecConfiguration(fields: root["codec_config"]?.dictionaryValue ?? [:], file: url.path, fieldPrefix: "codec_config.")
    }

    func floats(_ file: String) throws -> [Float] {
        try NumpyArray(contentsOf: reference.appendingPathComponent(file)).floats()
    }

    /// A 2-D int64 `.npy` as rows.
    func intRows(_ file: String) throws -> [[Int]] {
        let array = try NumpyArray(contentsOf: reference.appendingPathComponent(file))
        let values = try array.integers()
        let width = array.shape[1]
        return (0..<array.shape[0]).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    func bandwidth() throws -> Double {
        let text = try String(contentsOf: reference.appendingPathComponent("bandwidth.txt"), encoding: .utf8)
        return Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }
}

/// `max |a − b| / max |b|` (b the reference); infinity when the lengths differ.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    let scale = max(b.map(abs).max() ?? 0, 1e-30)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}
