import Checkpoints
import Foundation
import Tensors

/// The weight cache file: a `.safetensors` file holding, for every quantized linear weight
/// `<name>` (full checkpoint name), its payload under `<name>` (`I8 [rows, columns]` for int8,
/// `U16 [rows, columns]` for bf16, `U8 [rows, q4 row bytes]` for q4) and, except for bf16, its
/// scales under `<name>.scales` (`F32 [rows, scales per row]`). The `__metadata__` holds the
/// `WeightCacheKey` plus `data_hash`, the `ContentHash` of every stored tensor in name order, so a
/// damaged byte anywhere is noticed.
public enum WeightCacheFile {
    /// Writes `matrices` (all in `key.format`) with `key` to `url`, atomically.
    public static func write(_ matrices: [String: QuantizedMatrix], key: WeightCacheKey, to url: URL) throws {
        var entries: [RawTensorEntry] = []
        for (name, matrix) in matrices {
            let sizes = QuantizedMatrix.storageByteCounts(format: matrix.format, rows: matrix.rows, columns: matrix.columns)
            let payloadType: StoredDType = matrix.format == .int8 ? .int8 : matrix.format == .bf16 ? .uint16 : .uint8
            let payloadWidth = sizes.payload / matrix.rows / payloadType.byteWidth
            entries.append(RawTensorEntry(name: name, dtype: payloadType, shape: [matrix.rows, payloadWidth]) { body in
                try matrix.withStorage { payload, _ in try body(payload) }
            })
            if sizes.scales > 0 {
                entries.append(RawTensorEntry(name: name + ".scales", dtype: .float32, shape: [matrix.rows, sizes.scales / 4 / matrix.rows]) { body in
                    try matrix.withStorage { _, scales in try body(scales) }
                })
            }
        }
        var metadata = key.metadata
        metadata["data_hash"] = String(try dataHash(entries), radix: 16)
        try SafetensorsRawWriter.write(entries, metadata: metadata, to: url)
    }

    /// Reads the cache at `url` when its key equals `key`, holding every matrix of `shapes` (full
    /// name → `[out, in]`). Throws `WeightCacheError.stale` (another key) or `.corrupt` (anything
    /// unreadable, missing, mis-sized or failing the data hash); never returns partial weights.
    public static func read(_ url: URL, key: WeightCacheKey, shapes: [String: [Int]]) throws -> PrequantizedWeights {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(url: url) } catch {
            throw WeightCacheError.corrupt(file: url.path, reason: String(describing: error))
        }
        var stored: [String: String] = [:]
        for (field, value) in file.attributes { if case .string(let text) = value { stored[field] = text } }
        if let reason = key.mismatch(stored: stored) { throw WeightCacheError.stale(file: url.path, reason: reason) }
        let expectedNames = Set(shapes.keys.flatMap { key.format == .bf16 ? [$0] : [$0, $0 + ".scales"] })
        guard Set(file.tensorInfos.keys) == expectedNames else {
            let missing = expectedNames.subtracting(file.tensorInfos.keys).sorted().first
            let extra = Set(file.tensorInfos.keys).subtracting(expectedNames).sorted().first
            throw WeightCacheError.corrupt(file: url.path, reason: missing.map { "no tensor '\($0)'" } ?? "unexpected tensor '\(extra ?? "")'")
        }
        var hash = ContentHash()
        var matrices: [String: QuantizedMatrix] = [:]
        do {
            // Name order, as the writer hashed them.
            for name in expectedNames.sorted() {
                try file.withRawBytes(name) { hash.combine(hashOf: $0) }
            }
            guard stored["data_hash"] == String(hash.finalize(), radix: 16) else {
                throw WeightCacheError.corrupt(file: url.path, reason: "data hash \(stored["data_hash"] ?? "missing") does not match the data")
            }
            for (name, shape) in shapes {
                let matrix = try file.withRawBytes(name) { payload in
                    if key.format == .bf16 {
                        return try QuantizedMatrix(format: key.format, rows: shape[0], columns: shape[1], payload: payload,
                                                   scales: UnsafeRawBufferPointer(start: nil, count: 0))
                    }
                    return try file.withRawBytes(name + ".scales") { scales in
                        try QuantizedMatrix(format: key.format, rows: shape[0], columns: shape[1], payload: payload, scales: scales)
                    }
                }
                matrices[name] = matrix
            }
        } catch let error as WeightCacheError {
            throw error
        } catch {
            throw WeightCacheError.corrupt(file: url.path, reason: String(describing: error))
        }
        return PrequantizedWeights(file: url.path, format: key.format, matrices: matrices)
    }

    private static func dataHash(_ entries: [RawTensorEntry]) throws -> UInt64 {
        var hash = ContentHash()
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            try entry.withBytes { hash.combine(hashOf: $0) }
        }
        return hash.finalize()
    }
}

extension ContentHash {
    /// Folds the hash of `bytes` (hashed on their own) into this one: tensors of any length
    /// combine in order.
    mutating func combine(hashOf bytes: UnsafeRawBufferPointer) {
        var value = ContentHash.of(bytes)
        withUnsafeBytes(of: &value) { combine($0) }
    }
}
