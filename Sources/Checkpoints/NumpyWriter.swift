import Foundation

/// Writes NumPy `.npy` files (format version 1.0), the counterpart of `NumpyArray`'s reader.
///
/// The layout matches what `numpy.save` produces for a C-ordered little-endian array: the magic
/// `\x93NUMPY`, version bytes `1 0`, a 2-byte little-endian header length, then the dict literal
/// `{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and ended by
/// `\n` so that magic + length + header is a multiple of 64 bytes, then the raw element bytes.
public enum NumpyWriter {
    /// Element types the writer can produce, with their NumPy `descr` strings.
    public enum ElementType: String, Sendable, CaseIterable {
        case int64 = "<i8"
        case int32 = "<i4"
        case uint16 = "<u2"
        case float32 = "<f4"

        /// Bytes per element.
        public var byteWidth: Int {
            switch self {
            case .int64: return 8
            case .int32, .float32: return 4
            case .uint16: return 2
            }
        }
    }

    /// Why an array could not be encoded.
    public enum WriteError: Error, Sendable, Equatable, CustomStringConvertible {
        /// `shape` does not multiply out to `count` elements (or has a negative extent).
        case shapeMismatch(shape: [Int], count: Int)
        /// An integer does not fit the requested element type; `index` is its position in C order.
        case valueOutOfRange(index: Int, value: Int, type: ElementType)

        public var description: String {
            switch self {
            case let .shapeMismatch(shape, count):
                return "shape \(shape) does not hold exactly \(count) elements"
            case let .valueOutOfRange(index, value, type):
                return "element \(index) (value \(value)) does not fit dtype \(type.rawValue)"
            }
        }
    }

    /// The complete `.npy` image for integer `values` (C order) with `shape`, stored as `type`
    /// (`.int64`, `.int32` or `.uint16`; `.float32` converts each value exactly when |v| < 2^24).
    public static func npyBytes(integers values: [Int], shape: [Int], as type: ElementType) throws -> [UInt8] {
        try checkShape(shape, count: values.count)
        var out = header(shape: shape, type: type)
        out.reserveCapacity(out.count + values.count * type.byteWidth)
        for (index, value) in values.enumerated() {
            switch type {
            case .int64:
                append(UInt64(bitPattern: Int64(value)), width: 8, to: &out)
            case .int32:
                guard let v = Int32(exactly: value) else { throw WriteError.valueOutOfRange(index: index, value: value, type: type) }
                append(UInt64(UInt32(bitPattern: v)), width: 4, to: &out)
            case .uint16:
                guard let v = UInt16(exactly: value) else { throw WriteError.valueOutOfRange(index: index, value: value, type: type) }
                append(UInt64(v), width: 2, to: &out)
            case .float32:
                append(UInt64(Float(value).bitPattern), width: 4, to: &out)
            }
        }
        return out
    }

    /// The complete `.npy` image for `float32` `values` (C order) with `shape`.
    public static func npyBytes(floats values: [Float], shape: [Int]) throws -> [UInt8] {
        try checkShape(shape, count: values.count)
        var out = header(shape: shape, type: .float32)
        out.reserveCapacity(out.count + values.count * 4)
        for value in values { append(UInt64(value.bitPattern), width: 4, to: &out) }
        return out
    }

    /// Writes `bytes` (from `npyBytes`) to `url` through a temporary file in the same directory.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try AtomicFileReplacement.write(url: url) { temporary in
            try Data(bytes).write(to: temporary)
        }
    }

    /// Magic, version, header length and the padded header dict.
    static func header(shape: [Int], type: ElementType) -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = Array("{'descr': '\(type.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let prefix = 10 // magic (6) + version (2) + length (2)
        let unpadded = prefix + dict.count + 1 // + the closing newline
        let padding = (64 - unpadded % 64) % 64
        dict.append(contentsOf: [UInt8](repeating: 0x20, count: padding))
        dict.append(0x0A)
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        append(UInt64(dict.count), width: 2, to: &out)
        out.append(contentsOf: dict)
        return out
    }

    private static func checkShape(_ shape: [Int], count: Int) throws {
        var product = 1
        for extent in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            guard extent >= 0, !overflow else { throw WriteError.shapeMismatch(shape: shape, count: count) }
            product = next
        }
        guard product == count else { throw WriteError.shapeMismatch(shape: shape, count: count) }
    }

    private static func append(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        for byte in 0..<width { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte)))) }
    }
}
