import Foundation
import Tensors

/// A `.safetensors` file, memory-mapped; tensor data is read only when asked for.
///
/// Layout: an 8-byte little-endian header length `n`, `n` bytes of JSON (an object mapping each
/// tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` plus an optional
/// `"__metadata__"` string map), then the data region; offsets are relative to its start.
/// `init` validates the whole header (see `SafetensorsHeader`) so that `floatTensor` cannot read
/// outside the file.
///
/// Thread safety: immutable after `init`; all methods may be called concurrently from any thread.
public final class SafetensorsFile: TensorContainer {
    public let url: URL
    public var format: CheckpointFormat { .safetensors }
    public let tensorInfos: [String: TensorInfo]
    /// The `__metadata__` entries, as `.string` values.
    public let attributes: [String: CheckpointValue]

    private let file: MappedFile
    private let entries: [String: SafetensorsHeader.Entry]
    private let dataStart: Int

    /// Maps and validates the file at `url`. Throws `CheckpointError` (`truncated`, `malformed`,
    /// `limitExceeded`, `unsupportedDType`, …) naming the file and the offending header entry.
    public convenience init(url: URL) throws {
        try self.init(file: try MappedFile(url: url))
    }

    init(file: MappedFile) throws {
        let header = try SafetensorsHeader(file: file)
        self.url = file.url
        self.file = file
        self.entries = header.entries
        self.dataStart = header.dataStart
        self.tensorInfos = header.entries.mapValues { TensorInfo(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        self.attributes = header.metadata.mapValues { CheckpointValue.string($0) }
    }

    /// Reads tensor `name` converted to `Float` (row-major, stored shape). Allocates one
    /// `[Float]` of the tensor's element count.
    public func floatTensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw CheckpointError.missingTensor(file: file.path, tensor: name)
        }
        let count = entry.byteRange.count / entry.dtype.byteWidth
        let scalars = try file.withBytes(offset: dataStart + entry.byteRange.lowerBound,
                                         length: entry.byteRange.count, item: "tensor '\(name)'") {
            ElementDecoding.floats($0, dtype: entry.dtype, count: count)
        }
        return Tensor(shape: entry.shape, scalars: scalars)
    }

    /// Calls `body` with the raw little-endian bytes of tensor `name` as stored, straight from the
    /// mapping (no copy; valid only during the call). Throws `missingTensor` when absent.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let entry = entries[name] else {
            throw CheckpointError.missingTensor(file: file.path, tensor: name)
        }
        return try file.withBytes(offset: dataStart + entry.byteRange.lowerBound, length: entry.byteRange.count,
                                  item: "tensor '\(name)'", body)
    }

    /// The raw little-endian bytes of tensor `name`, as stored.
    public func rawBytes(_ name: String) throws -> [UInt8] {
        guard let entry = entries[name] else {
            throw CheckpointError.missingTensor(file: file.path, tensor: name)
        }
        return try file.bytes(offset: dataStart + entry.byteRange.lowerBound, length: entry.byteRange.count,
                              item: "tensor '\(name)'")
    }
}
