import Bark
import Foundation
import Tensors

/// Where the pre-quantized weight cache of a model directory lives, best first:
/// 1. `<model>/.omnibark-cache/weights-<format>.safetensors`, beside the model;
/// 2. `$OMNIBARK_HOME/weight-cache/<id>/weights-<format>.safetensors` (else
///    `~/.cache/omnibark/weight-cache/…`) for a model folder that cannot be written, where `<id>`
///    is a hash of the model directory's absolute path.
public enum WeightCacheLocations {
    /// The folder beside the model.
    public static let folderName = ".omnibark-cache"

    /// The cache file name for `format`.
    public static func fileName(_ format: WeightFormat) -> String { "weights-\(format.rawValue).safetensors" }

    /// The candidate cache files for `directory`, best first.
    public static func candidates(modelDirectory directory: URL, format: WeightFormat,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        let beside = directory.appendingPathComponent(folderName, isDirectory: true).appendingPathComponent(fileName(format))
        let absolute = directory.standardizedFileURL.path
        let id = Data(absolute.utf8).withUnsafeBytes { String(ContentHash.of($0), radix: 16) }
        let perUser = ModelLocations.modelsRoot(environment: environment).deletingLastPathComponent()
            .appendingPathComponent("weight-cache", isDirectory: true)
            .appendingPathComponent(id, isDirectory: true)
            .appendingPathComponent(fileName(format))
        return [beside, perUser]
    }
}
