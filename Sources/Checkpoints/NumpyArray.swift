import Foundation
import Tensors

/// One NumPy array read from a `.npy` file or an `.npz` member: element type, shape and the raw
/// little-endian element bytes in C (row-major) order (Fortran-order files are reordered on load).
public struct NumpyArray: Sendable, Equatable {
    /// Element type (from the header's `descr`).
    public let dtype: StoredDType
    /// Extents, outermost first; `[]` for a 0-d array.
    public let shape: [Int]
    /// Raw little-endian element bytes; `data.count == elementCount * dtype.byteWidth`.
    public let data: [UInt8]

    /// Number of elements (1 for a 0-d array).
    public var elementCount: Int { data.count / dtype.byteWidth }

    /// Parses a complete `.npy` byte image. `file` and `item` name it in errors. Throws
    /// `CheckpointError` for a bad magic or header, big-endian or Fortran-order data, unknown
    /// dtypes, or a data length different from shape × width. Fortran-order data is reordered to C order.
    public init(npyBytes bytes: [UInt8], file: String, item: String) throws {
        guard let header = try NumpyHeader.parse(bytes, file: file, item: item) else {
            throw CheckpointError.truncated(file: file, item: "\(item) header", offset: 0, needed: 10, available: bytes.count)
        }
        try self.init(header: header, bytes: bytes, file: file, item: item)
    }

    init(header: NumpyHeader, bytes: [UInt8], file: String, item: String) throws {
        let available = bytes.count - header.dataOffset
        guard available >= header.dataByteCount else {
            throw CheckpointError.truncated(file: file, item: "\(item) data", offset: header.dataOffset,
                                            needed: header.dataByteCount, available: available)
        }
        guard available == header.dataByteCount else {
            throw CheckpointError.malformed(file: file, item: "\(item) data", offset: header.dataOffset,
                                            reason: "\(available) bytes follow the header but shape \(header.shape) needs \(header.dataByteCount)")
        }
        self.dtype = header.dtype
        self.shape = header.shape
        let stored = Array(bytes[header.dataOffset...])
        self.data = header.fortranOrder && header.shape.count > 1
            ? Self.fortranToC(stored, shape: header.shape, width: header.dtype.byteWidth)
            : stored
    }

    /// Reorders column-major element bytes to row-major. `bytes.count` is shape × width (checked).
    private static func fortranToC(_ bytes: [UInt8], shape: [Int], width: Int) -> [UInt8] {
        var strides = [Int](repeating: 1, count: shape.count) // Fortran strides, in elements
        for k in 1..<shape.count { strides[k] = strides[k - 1] * shape[k - 1] }
        let count = bytes.count / width
        var out = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        for element in 0..<count {
            for b in 0..<width { out[element * width + b] = bytes[source * width + b] }
            var k = shape.count - 1
            while k >= 0 {
                index[k] += 1
                source += strides[k]
                if index[k] < shape[k] { break }
                source -= strides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
        return out
    }

    /// Reads a `.npy` file.
    public init(contentsOf url: URL) throws {
        let file = try MappedFile(url: url)
        try self.init(npyBytes: try file.bytes(offset: 0, length: file.count, item: "array"), file: url.path, item: url.lastPathComponent)
    }

    /// Every element converted to `Float` (bool → 0/1; large integers round to nearest float).
    public func floats() -> [Float] {
        data.withUnsafeBytes { ElementDecoding.floats($0, dtype: dtype, count: elementCount) }
    }

    /// Every element of an integer or bool array widened to `Int`. Throws
    /// `CheckpointError.unsupportedDType` for floating-point arrays and for `uint64` values above `Int.max`.
    public func integers(file: String = "", name: String = "") throws -> [Int] {
        guard !dtype.isFloatingPoint else {
            throw CheckpointError.unsupportedDType(file: file, tensor: name, dtype: "\(dtype.rawValue) (integers were requested)")
        }
        let width = dtype.byteWidth
        return try data.withUnsafeBytes { raw in
            try (0..<elementCount).map { i -> Int in
                let bits = LittleEndian.uint(raw, at: i * width, width: width)
                switch dtype {
                case .int64: return Int(Int64(bitPattern: bits))
                case .int32: return Int(Int32(truncatingIfNeeded: bits))
                case .int16: return Int(Int16(truncatingIfNeeded: bits))
                case .int8: return Int(Int8(truncatingIfNeeded: bits))
                case .uint64:
                    guard bits <= UInt64(Int.max) else {
                        throw CheckpointError.unsupportedDType(file: file, tensor: name, dtype: "uint64 value \(bits) does not fit Int")
                    }
                    return Int(bits)
                default: return Int(bits) // uint8/16/32, bool
                }
            }
        }
    }

    /// The array as a `Float` tensor with the same shape.
    public func tensor() -> Tensor {
        Tensor(shape: shape, scalars: floats())
    }
}
