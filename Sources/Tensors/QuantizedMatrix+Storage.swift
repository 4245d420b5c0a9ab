import CKernels

/// Raw access to a `QuantizedMatrix`'s storage, so that it can be saved once and loaded later
/// without quantizing again (the pre-quantized weight cache).
///
/// The storage is two parts, in the byte order of this machine (little-endian on every platform
/// OmniBark builds for):
/// - payload: `.bf16` `UInt16[rows · columns]`; `.int8` `Int8[rows · columns]` row-major;
///   `.q4` `UInt8[rows · ck_q4_row_bytes(columns)]` packed nibbles;
/// - scales: `Float[]`, none for `.bf16`, one per row for `.int8`, `ck_q4_groups(columns)` per row
///   for `.q4`.
/// The GEMM panels are not part of the storage: `.int8`'s are re-packed from the payload (a copy, no
/// quantization), `.q4`'s requantized from it (`q4GEMMCopy`, the same bytes as when quantizing).
extension QuantizedMatrix {
    /// Bytes of the payload and of the scales of a `format` matrix `[rows, columns]`.
    /// - Precondition: `format != .f32`, extents in `Int32`.
    public static func storageByteCounts(format: WeightFormat, rows: Int, columns: Int) -> (payload: Int, scales: Int) {
        let k = Int32(clamping: columns)
        switch format {
        case .f32: preconditionFailure("f32 weights are not a QuantizedMatrix")
        case .bf16: return (rows * columns * 2, 0)
        case .int8: return (rows * columns, rows * 4)
        case .q4: return (rows * ck_q4_row_bytes(k), rows * Int(ck_q4_groups(k)) * 4)
        }
    }

    /// Calls `body` with the payload and scale bytes (valid only during the call).
    public func withStorage<R>(_ body: (_ payload: UnsafeRawBufferPointer, _ scales: UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try scales.withUnsafeBytes { all in
            let scaleBytes = UnsafeRawBufferPointer(rebasing: all.prefix(q4GroupScaleCount * 4))
            switch format {
            case .f32: preconditionFailure("unreachable: QuantizedMatrix is never f32")
            case .bf16: return try halves.withUnsafeBytes { try body($0, scaleBytes) }
            case .int8: return try bytes.withUnsafeBytes { try body($0, scaleBytes) }
            case .q4: return try nibbles.withUnsafeBytes { try body($0, scaleBytes) }
            }
        }
    }

    /// A matrix from stored parts (copied), the inverse of `withStorage`. Throws
    /// `QuantizedMatrixError` naming the part whose size does not fit `format` and the shape.
    public init(format: WeightFormat, rows: Int, columns: Int, payload: UnsafeRawBufferPointer, scales: UnsafeRawBufferPointer) throws {
        guard format != .f32 else { throw QuantizedMatrixError.notQuantized }
        guard rows > 0, columns > 0, rows < Int(Int32.max), columns < Int(Int32.max) else {
            throw QuantizedMatrixError.badShape(rows: rows, columns: columns)
        }
        let expected = Self.storageByteCounts(format: format, rows: rows, columns: columns)
        guard payload.count == expected.payload else {
            throw QuantizedMatrixError.storageSize(part: "payload", format: format, rows: rows, columns: columns,
                                                   expected: expected.payload, actual: payload.count)
        }
        guard scales.count == expected.scales else {
            throw QuantizedMatrixError.storageSize(part: "scales", format: format, rows: rows, columns: columns,
                                                   expected: expected.scales, actual: scales.count)
        }
        self.format = format
        self.rows = rows
        self.columns = columns
        var halves: [UInt16] = [], bytes: [Int8] = [], nibbles: [UInt8] = [], gemmPanels: [Int8] = []
        var scales = Self.copy(scales, as: Float.self)
        switch format {
        case .f32: break
        case .bf16: halves = Self.copy(payload, as: UInt16.self)
        case .int8:
            bytes = Self.copy(payload, as: Int8.self)
            gemmPanels = Self.packForGEMM(bytes, rows: rows, columns: columns)
        case .q4:
            nibbles = Self.copy(payload, as: UInt8.self)
            let copy = Self.q4GEMMCopy(nibbles: nibbles, scales: scales, rows: rows, columns: columns)
            gemmPanels = copy.panels
            scales += copy.scales
        }
        self.scales = scales
        self.halves = halves
        self.bytes = bytes
        self.nibbles = nibbles
        self.gemmPanels = gemmPanels
    }

    /// `bytes` as an array of `T` (any alignment; `bytes.count` a multiple of `T`'s size).
    private static func copy<T>(_ bytes: UnsafeRawBufferPointer, as _: T.Type) -> [T] {
        let count = bytes.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { out, written in
            if count > 0, let base = bytes.baseAddress, let destination = out.baseAddress {
                UnsafeMutableRawPointer(destination).copyMemory(from: base, byteCount: count * MemoryLayout<T>.stride)
            }
            written = count
        }
    }
}

extension QuantizedMatrix {
    /// Version of the storage layout `withStorage` hands out (bf16 halves, per-row int8 with f32
    /// scales, q4 nibbles in groups of 32 with f32 scales). Bumped whenever the quantizers or their
    /// layout change, so that stored matrices of an older layout are never used.
    public static let storageLayoutVersion = 1
}
