import Checkpoints
import Foundation
import Tensors

/// What a weight cache was made from; a cache is used only when its key equals the key of the
/// model being loaded, field by field.
///
/// - source size (bytes) and modification time (ns since 1970) of the checkpoint file: a replaced
///   or rewritten checkpoint changes them;
/// - `ContentHash` of the checkpoint's first MiB (a safetensors header with every tensor name,
///   shape and offset, and the first tensor bytes): a different file with the same size and time;
/// - the weight format and `QuantizedMatrix.storageLayoutVersion` (the kernels' storage layout);
/// - the cache file format version.
public struct WeightCacheKey: Sendable, Equatable {
    /// Version of the cache file layout (names, metadata); bumped when it changes.
    public static let fileVersion = 1
    /// Bytes of the checkpoint's start that are hashed.
    public static let hashedPrefixBytes = 1 << 20

    public let sourceSize: Int
    public let sourceModificationNanoseconds: Int64
    public let sourceHeaderHash: UInt64
    public let format: WeightFormat
    public let layoutVersion: Int
    public let fileVersion: Int

    public init(sourceSize: Int, sourceModificationNanoseconds: Int64, sourceHeaderHash: UInt64, format: WeightFormat,
                layoutVersion: Int = QuantizedMatrix.storageLayoutVersion, fileVersion: Int = WeightCacheKey.fileVersion) {
        self.sourceSize = sourceSize
        self.sourceModificationNanoseconds = sourceModificationNanoseconds
        self.sourceHeaderHash = sourceHeaderHash
        self.format = format
        self.layoutVersion = layoutVersion
        self.fileVersion = fileVersion
    }

    /// The key of checkpoint `source` quantized to `format` (reads its first MiB and `stat`s it).
    /// Throws `WeightCacheError.unreadableSource` naming the file.
    public init(source: URL, format: WeightFormat) throws {
        var info = stat()
        guard stat(source.path, &info) == 0 else {
            throw WeightCacheError.unreadableSource(file: source.path, reason: String(cString: strerror(errno)))
        }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: source) } catch {
            throw WeightCacheError.unreadableSource(file: source.path, reason: ErrorMessage.reason(error))
        }
        defer { try? handle.close() }
        let prefix = (try? handle.read(upToCount: Self.hashedPrefixBytes)) ?? Data()
        let hash = prefix.withUnsafeBytes { ContentHash.of($0) }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        let nanoseconds = Int64(modified.tv_sec) * 1_000_000_000 + Int64(modified.tv_nsec)
        self.init(sourceSize: Int(info.st_size), sourceModificationNanoseconds: nanoseconds, sourceHeaderHash: hash, format: format)
    }

    /// The key as safetensors `__metadata__` strings.
    public var metadata: [String: String] {
        ["omnibark_weight_cache": String(fileVersion), "format": format.rawValue, "layout_version": String(layoutVersion),
         "source_size": String(sourceSize), "source_mtime_ns": String(sourceModificationNanoseconds),
         "source_header_hash": String(sourceHeaderHash, radix: 16)]
    }

    /// The first field where `stored` (a cache file's metadata) differs from this key, as
    /// "field: cache has X, the model needs Y"; nil when they agree.
    public func mismatch(stored: [String: String]) -> String? {
        for (field, wanted) in metadata.sorted(by: { $0.key < $1.key }) {
            let found = stored[field]
            if found != wanted { return "\(field): cache has \(found ?? "nothing"), the model needs \(wanted)" }
        }
        return nil
    }
}
