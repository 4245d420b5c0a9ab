import CKernels

/// A weight matrix `[rows, columns]` (PyTorch `Linear` layout, one row per output feature) stored in
/// a reduced format: bf16, per-row int8 or group-wise 4-bit (see `WeightFormat` and
/// `Sources/CKernels/include/ckernels.h` for the exact layouts).
///
/// Immutable and `Sendable`. Built once at load time from the f32 checkpoint tensor.
public struct QuantizedMatrix: Sendable {
    public let format: WeightFormat
    public let rows: Int
    public let columns: Int
    /// bf16 weights (`.bf16` only).
    let halves: [UInt16]
    /// Signed bytes (`.int8` only).
    let bytes: [Int8]
    /// Packed nibbles, `ck_q4_row_bytes(columns)` per row (`.q4` only).
    let nibbles: [UInt8]
    /// `.int8`: one per row; `.q4`: `groups` per row.
    let scales: [Float]
    /// `.int8` only: `bytes` repacked for the int8 GEMM (`ck_gemm_int8_pack`: panels of 16 rows,
    /// inputs in pairs), `ck_gemm_int8_packed_bytes(rows, columns)` long.
    let gemmPanels: [Int8]

    /// Quantizes a rank-2 f32 weight. - Precondition: `format != .f32`.
    public init(_ weight: Tensor, format: WeightFormat) {
        precondition(weight.rank == 2, "QuantizedMatrix needs a rank-2 weight, got \(weight.shape)")
        precondition(format != .f32, "QuantizedMatrix holds bf16, int8 or q4 weights; f32 stays a Tensor")
        let n = weight.shape[0], k = weight.shape[1]
        precondition(n < Int(Int32.max) && k < Int(Int32.max), "matrix too large for the kernels: \(weight.shape)")
        self.format = format
        rows = n
        columns = k
        var halves: [UInt16] = [], bytes: [Int8] = [], nibbles: [UInt8] = [], scales: [Float] = [], gemmPanels: [Int8] = []
        weight.scalars.withUnsafeBufferPointer { w in
            switch format {
            case .f32:
                break
            case .bf16:
                halves = [UInt16](unsafeUninitializedCapacity: n * k) { out, count in
                    ck_f32_to_bf16(w.baseAddress, out.baseAddress, n * k)
                    count = n * k
                }
            case .int8:
                scales = [Float](repeating: 0, count: n)
                bytes = [Int8](repeating: 0, count: n * k)
                bytes.withUnsafeMutableBufferPointer { q in
                    scales.withUnsafeMutableBufferPointer { s in
                        ck_quantize_int8(w.baseAddress, Int32(n), Int32(k), q.baseAddress, s.baseAddress)
                    }
                }
                let packedCount = ck_gemm_int8_packed_bytes(Int32(n), Int32(k))
                gemmPanels = bytes.withUnsafeBufferPointer { q in
                    [Int8](unsafeUninitializedCapacity: packedCount) { out, count in
                        if packedCount > 0 { ck_gemm_int8_pack(q.baseAddress, Int32(n), Int32(k), out.baseAddress) }
                        count = packedCount
                    }
                }
            case .q4:
                scales = [Float](repeating: 0, count: n * Int(ck_q4_groups(Int32(k))))
                nibbles = [UInt8](repeating: 0, count: n * ck_q4_row_bytes(Int32(k)))
                nibbles.withUnsafeMutableBufferPointer { q in
                    scales.withUnsafeMutableBufferPointer { s in
                        ck_quantize_q4(w.baseAddress, Int32(n), Int32(k), q.baseAddress, s.baseAddress)
                    }
                }
            }
        }
        self.halves = halves
        self.bytes = bytes
        self.nibbles = nibbles
        self.scales = scales
        self.gemmPanels = gemmPanels
    }

    /// Bytes of weight storage a GEMV reads, scales included (the `.int8` GEMM copy is
    /// `gemmPackedByteCount` more).
    public var byteCount: Int {
        halves.count * 2 + bytes.count + nibbles.count + scales.count * 4
    }

    /// Bytes of the `.int8` copy packed for the int8 GEMM (0 for the other formats).
    public var gemmPackedByteCount: Int { gemmPanels.count }

    /// The f32 values the kernels multiply by, `[rows, columns]` (allocates).
    public func dequantized() -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        out.withUnsafeMutableBufferPointer { o in dequantize(rowStart: 0, rowCount: rows, into: o.baseAddress!, pool: nil) }
        return Tensor(shape: [rows, columns], scalars: out)
    }

    /// Writes rows `rowStart ..< rowStart + rowCount` as f32 into `out[rowCount * columns]`.
    func dequantize(rowStart: Int, rowCount: Int, into out: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
        let k = Int32(columns), r0 = Int32(rowStart), count = Int32(rowCount), handle = pool?.handle
        switch format {
        case .f32:
            preconditionFailure("unreachable: QuantizedMatrix is never f32")
        case .bf16:
            halves.withUnsafeBufferPointer { ck_dequantize_bf16(handle, $0.baseAddress, k, r0, count, out) }
        case .int8:
            bytes.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { ck_dequantize_int8(handle, q.baseAddress, $0.baseAddress, k, r0, count, out) }
            }
        case .q4:
            nibbles.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { ck_dequantize_q4(handle, q.baseAddress, $0.baseAddress, k, r0, count, out) }
            }
        }
    }
}
