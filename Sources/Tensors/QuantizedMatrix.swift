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
    /// `.int8`: one per row; `.q4`: `groups` per row, then one per row for `gemmPanels`
    /// (`q4GroupScaleCount` of the first kind). The q4 GEMM's scales live here rather than in a
    /// stored property of their own: a larger `QuantizedMatrix` made the debug build's copy of an
    /// `OmniModel` crash (swift_retain of a null pointer in compiler-generated code, Swift 6.1;
    /// reproduced 5 of 5 times by `ServeLiveControlTests`, gone with the layout unchanged).
    let scales: [Float]
    /// `.int8`: `bytes` repacked for the int8 GEMM (`ck_gemm_int8_pack`: panels of 16 rows, inputs
    /// in pairs), `ck_gemm_int8_packed_bytes(rows, columns)` long. `.q4`: the same for an int8
    /// requantization of the q4 values (its row scales at the end of `scales`), so that prefill and
    /// the fine stage run the int8 GEMM instead of dequantizing to f32 for SGEMM. Empty for `.bf16`.
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
                gemmPanels = Self.packForGEMM(bytes, rows: n, columns: k)
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
        if format == .q4 {
            let copy = Self.q4GEMMCopy(nibbles: nibbles, scales: scales, rows: n, columns: k)
            gemmPanels = copy.panels
            scales += copy.scales
        }
        self.halves = halves
        self.bytes = bytes
        self.nibbles = nibbles
        self.scales = scales
        self.gemmPanels = gemmPanels
    }

    /// `.q4`: the group scales at the start of `scales` (`rows · ck_q4_groups(columns)`); the rest
    /// of `scales` are the GEMM copy's row scales. Other formats: all of `scales`.
    var q4GroupScaleCount: Int { format == .q4 ? rows * Int(ck_q4_groups(Int32(columns))) : scales.count }

    /// Packs row-major int8 `bytes[rows · columns]` for the int8 GEMM.
    static func packForGEMM(_ bytes: [Int8], rows n: Int, columns k: Int) -> [Int8] {
        let packedCount = ck_gemm_int8_packed_bytes(Int32(n), Int32(k))
        return bytes.withUnsafeBufferPointer { q in
            [Int8](unsafeUninitializedCapacity: packedCount) { out, count in
                if packedCount > 0 { ck_gemm_int8_pack(q.baseAddress, Int32(n), Int32(k), out.baseAddress) }
                count = packedCount
            }
        }
    }

    /// The int8 GEMM copy of a q4 matrix: its dequantized values (exactly what the q4 GEMV
    /// multiplies by) requantized per row as `ck_quantize_int8` does, then packed. The int8 step
    /// (max |row| / 127) is about 16 times finer than a q4 group's (max |group| / 8), so the
    /// requantization adds about 1/16 of q4's own rounding; the GEMM then multiplies exactly in
    /// int32 like the int8 format's. Split over `ThreadPool.shared` by blocks of rows.
    static func q4GEMMCopy(nibbles: [UInt8], scales: [Float], rows n: Int, columns k: Int) -> (panels: [Int8], scales: [Float]) {
        guard n > 0, k > 0 else { return ([], []) }
        var bytes = [Int8](repeating: 0, count: n * k), rowScales = [Float](repeating: 0, count: n)
        let block = 64, blocks = (n + block - 1) / block
        nibbles.withUnsafeBufferPointer { q4 in
            scales.withUnsafeBufferPointer { groupScales in
                bytes.withUnsafeMutableBufferPointer { out in
                    rowScales.withUnsafeMutableBufferPointer { outScales in
                        let (q4, groupScales, out, outScales) = (q4.baseAddress, groupScales.baseAddress, out.baseAddress, outScales.baseAddress)
                        ThreadPool.shared.parallelFor(count: blocks) { index in
                            let r0 = index * block, count = min(block, n - r0)
                            let values = UnsafeMutablePointer<Float>.allocate(capacity: count * k)
                            defer { values.deallocate() }
                            ck_dequantize_q4(nil, q4, groupScales, Int32(k), Int32(r0), Int32(count), values)
                            ck_quantize_int8(values, Int32(count), Int32(k), out.map { $0 + r0 * k }, outScales.map { $0 + r0 })
                        }
                    }
                }
            }
        }
        return (packForGEMM(bytes, rows: n, columns: k), rowScales)
    }

    /// Bytes of weight storage a GEMV reads, scales included (the `.int8` and `.q4` GEMM copies
    /// are `gemmPackedByteCount` more).
    public var byteCount: Int {
        halves.count * 2 + bytes.count + nibbles.count + q4GroupScaleCount * 4
    }

    /// Bytes of the copy packed for the int8 GEMM, its row scales included (0 for `.bf16`).
    public var gemmPackedByteCount: Int { gemmPanels.count + (scales.count - q4GroupScaleCount) * 4 }

    /// The f32 values the kernels multiply by, `[rows, columns]` (allocates).
    public func dequantized() -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        out.withUnsafeMutableBufferPointer { o in
            guard let first = o.baseAddress else { return }  // an empty matrix: nothing to write
            dequantize(rowStart: 0, rowCount: rows, into: first, pool: nil)
        }
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
