import Foundation

/// One tensor for `SafetensorsRawWriter`: its name, element type, shape and a way to hand over its
/// bytes (little-endian, row-major, exactly `shape.product · dtype.byteWidth` of them).
public struct RawTensorEntry {
    public let name: String
    public let dtype: StoredDType
    public let shape: [Int]
    /// Calls its argument once with the tensor's bytes.
    public let withBytes: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void

    public init(name: String, dtype: StoredDType, shape: [Int],
                withBytes: @escaping ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.withBytes = withBytes
    }

    /// Bytes the shape and element type call for.
    public var byteCount: Int { shape.reduce(1, *) * dtype.byteWidth }
}

/// Writes tensors of any element type as a `.safetensors` file, streaming their bytes to disk one
/// tensor at a time (nothing is gathered in memory), under a temporary name that is renamed into
/// place once complete (`AtomicFileReplacement`): a reader never sees a partial file.
///
/// Layout as `SafetensorsWriter`: names sorted, header padded with spaces to 8 bytes, optional
/// `__metadata__` string map.
public enum SafetensorsRawWriter {
    /// Safetensors' name for `dtype`.
    public static func dtypeName(_ dtype: StoredDType) -> String {
        switch dtype {
        case .float64: "F64"
        case .float32: "F32"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int64: "I64"
        case .int32: "I32"
        case .int16: "I16"
        case .int8: "I8"
        case .uint64: "U64"
        case .uint32: "U32"
        case .uint16: "U16"
        case .uint8: "U8"
        case .bool: "BOOL"
        }
    }

    /// Writes `entries` and `metadata` to `url`. Throws `CheckpointError.unwritable` naming `url`,
    /// or naming the tensor whose bytes do not match its shape.
    public static func write(_ entries: [RawTensorEntry], metadata: [String: String] = [:], to url: URL) throws {
        let sorted = entries.sorted { $0.name < $1.name }
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(SafetensorsWriter.jsonString($0)):\(SafetensorsWriter.jsonString(metadata[$0] ?? ""))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for entry in sorted {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            fields.append("\(SafetensorsWriter.jsonString(entry.name)):{\"dtype\":\"\(dtypeName(entry.dtype))\",\"shape\":[\(shape)],"
                          + "\"data_offsets\":[\(offset),\(offset + entry.byteCount)]}")
            offset += entry.byteCount
        }
        var header = Data(("{" + fields.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        try AtomicFileReplacement.write(url: url) { temporary in
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw CheckpointError.unwritable(file: url.path, reason: "cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            var length = Data()
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { length.append(contentsOf: $0) }
            try handle.write(contentsOf: length)
            try handle.write(contentsOf: header)
            for entry in sorted {
                try entry.withBytes { bytes in
                    guard bytes.count == entry.byteCount else {
                        throw CheckpointError.unwritable(file: url.path,
                                                         reason: "tensor '\(entry.name)' has \(bytes.count) bytes, its shape \(entry.shape) needs \(entry.byteCount)")
                    }
                    // FileHandle copies the bytes it is given; write in 64 MiB pieces to bound that copy.
                    guard let base = bytes.baseAddress else { return }
                    var start = 0
                    while start < bytes.count {
                        let end = min(bytes.count, start + (64 << 20))
                        try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base + start),
                                                          count: end - start, deallocator: .none))
                        start = end
                    }
                }
            }
            try handle.synchronize()
        }
    }
}
