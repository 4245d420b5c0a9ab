import Checkpoints
import Foundation
import Tensors

/// What happened to the weight cache during one load.
public struct WeightCacheReport: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// The matrices came from the cache file (no quantization).
        case loaded
        /// The weights were quantized and the cache file written for the next load.
        case built
        /// The weights were quantized; no cache file could be written (see `notes`).
        case unwritten
    }
    public let outcome: Outcome
    /// The cache file read or written (nil when none could be written).
    public let file: URL?
    /// One line per cache that was refused (stale or damaged, then rebuilt) or could not be written.
    public let notes: [String]
}

/// Loads Bark's transformers in a quantized format through a pre-quantized weight cache, so that
/// quantization happens once per checkpoint and format rather than on every load.
///
/// `locations` are candidate cache files, best first (beside the model, then a per-user folder for
/// a read-only model directory). The first that exists and is valid for the checkpoint's
/// `WeightCacheKey` is used; a stale or damaged one is reported and rebuilt, never trusted. When
/// none is usable the weights are quantized from the checkpoint and written to the first location
/// that can be written, atomically (a concurrent reader sees the old file or the whole new one).
///
/// Thread safety: stateless; concurrent loads of the same model may both rebuild, and the last
/// rename wins with identical content.
public enum WeightCache {
    /// The models of `source` in `format` plus what happened to the cache. f32, and sources not in
    /// one checkpoint file (Suno's three `.pt` files), load without a cache (`report` nil).
    public static func loadModels(source: BarkModelSource, format: WeightFormat,
                                  locations: [URL]) throws -> (models: BarkModels, report: WeightCacheReport?) {
        guard format != .f32, source.containers.count == 1, let checkpoint = source.containers.first?.url, !locations.isEmpty else {
            return (try BarkModels(source: source, weightFormat: format), nil)
        }
        let key = try WeightCacheKey(source: checkpoint, format: format)
        let configurations = try BarkStage.allCases.map { try source.stage($0).configuration }
        let shapes = BarkModels.linearWeightShapes(configurations)
        var notes: [String] = []
        for url in locations where FileManager.default.fileExists(atPath: url.path) {
            do {
                let weights = try WeightCacheFile.read(url, key: key, shapes: shapes)
                let models = try BarkModels(source: source, weightFormat: format, prequantized: weights)
                return (models, WeightCacheReport(outcome: .loaded, file: url, notes: notes))
            } catch let error as WeightCacheError {
                notes.append("\(error); rebuilding it")
            }
        }
        let models = try BarkModels(source: source, weightFormat: format)
        let matrices = models.quantizedMatrices
        for url in locations {
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try WeightCacheFile.write(matrices, key: key, to: url)
                return (models, WeightCacheReport(outcome: .built, file: url, notes: notes))
            } catch {
                notes.append("cannot write weight cache \(url.path): \(ErrorMessage.describe(error))")
            }
        }
        return (models, WeightCacheReport(outcome: .unwritten, file: nil, notes: notes))
    }
}
