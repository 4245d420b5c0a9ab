import Foundation
import Tensors
import ZIPFoundation

/// A NumPy `.npz` archive (from `np.savez` or `np.savez_compressed`): a zip of `.npy` members,
/// stored or deflated. All members are read and validated by `init` (npz files are small).
///
/// Decompression is bounded: each member may inflate to at most what its own `.npy` header
/// declares (and never beyond `maxMemberBytes`), so a zip bomb fails with `limitExceeded` after
/// at most one extra chunk and never allocates its claimed size.
///
/// Thread safety: immutable after `init`; all members may be used concurrently from any thread.
public final class NPZArchive: TensorContainer {
    public let url: URL
    public var format: CheckpointFormat { .npz }
    /// The arrays, keyed by member name without the `.npy` suffix.
    public let arrays: [String: NumpyArray]
    public let tensorInfos: [String: TensorInfo]
    /// Always empty: npz files carry no metadata.
    public var attributes: [String: CheckpointValue] { [:] }

    /// Default bound on one member's decompressed size (1 GiB).
    public static let defaultMaxMemberBytes = 1 << 30

    /// Reads every `.npy` member of the archive at `url`; members with other names are ignored.
    /// - Parameter maxMemberBytes: refuse members whose header or data would exceed this many bytes.
    public init(url: URL, maxMemberBytes: Int = NPZArchive.defaultMaxMemberBytes) throws {
        let path = url.path
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw CheckpointError.malformed(file: path, item: "zip archive", offset: nil, reason: ZIPErrorDescription.describe(error))
        }
        var arrays: [String: NumpyArray] = [:]
        for entry in archive where entry.type == .file && entry.path.hasSuffix(".npy") {
            let name = String(entry.path.dropLast(4))
            arrays[name] = try Self.readMember(entry, of: archive, path: path, maxBytes: maxMemberBytes)
        }
        self.url = url
        self.arrays = arrays
        self.tensorInfos = Dictionary(uniqueKeysWithValues: arrays.map { key, array in
            (key, TensorInfo(name: key, dtype: array.dtype, shape: array.shape))
        })
    }

    /// The array stored as member `<name>.npy`.
    public subscript(name: String) -> NumpyArray? { arrays[name] }

    /// Array `name` as a `Float` tensor. Throws `missingTensor` if absent.
    public func floatTensor(_ name: String) throws -> Tensor {
        guard let array = arrays[name] else { throw CheckpointError.missingTensor(file: url.path, tensor: name) }
        return array.tensor()
    }

    /// Array `name` widened to `Int` (integer or bool dtypes only).
    public func integers(_ name: String) throws -> [Int] {
        guard let array = arrays[name] else { throw CheckpointError.missingTensor(file: url.path, tensor: name) }
        return try array.integers(file: url.path, name: name)
    }

    private static func readMember(_ entry: Entry, of archive: Archive, path: String, maxBytes: Int) throws -> NumpyArray {
        let item = entry.path
        var buffer: [UInt8] = []
        var header: NumpyHeader?
        var limit = min(maxBytes, NumpyHeader.maxHeaderBytes + 16)
        do {
            _ = try archive.extract(entry, bufferSize: 64 * 1024, skipCRC32: false) { chunk in
                buffer.append(contentsOf: chunk)
                if header == nil, let parsed = try NumpyHeader.parse(buffer, file: path, item: item) {
                    header = parsed
                    let (total, overflow) = parsed.dataOffset.addingReportingOverflow(parsed.dataByteCount)
                    guard !overflow, total <= maxBytes else {
                        throw CheckpointError.limitExceeded(file: path, item: "size of member '\(item)' (shape \(parsed.shape))",
                                                            value: overflow ? Int.max : total, limit: maxBytes)
                    }
                    limit = total
                }
                guard buffer.count <= limit else {
                    throw CheckpointError.limitExceeded(file: path, item: "decompressed size of member '\(item)'",
                                                        value: buffer.count, limit: limit)
                }
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.malformed(file: path, item: "zip member '\(item)'", offset: nil, reason: "cannot be extracted: \(ZIPErrorDescription.describe(error))")
        }
        guard let header else {
            throw CheckpointError.truncated(file: path, item: "\(item) header", offset: 0, needed: 10, available: buffer.count)
        }
        return try NumpyArray(header: header, bytes: buffer, file: path, item: item)
    }
}
