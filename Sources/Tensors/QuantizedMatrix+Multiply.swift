import CKernels

extension QuantizedMatrix {
    /// Rows of input above which `multiplyTransposed` switches from per-row GEMV to the panel GEMM.
    public static let gemmRowThreshold = 2

    /// `output[m, rows] = input[m, columns] · Wᵀ (+ bias) (+ output if accumulate)`: the `Linear`
    /// layout. Up to `gemmRowThreshold` input rows (decoding) run the GEMV kernel of `path` per row,
    /// split by output rows over `pool`. More rows: `.int8` and `.q4` run the int8 GEMM of `path`
    /// (inputs quantized per row to int8, exact integer dot products, over `pool`; q4 on its int8
    /// requantization; see `int8GEMM`); bf16 dequantizes panels of `W` to f32 (over `pool`) and
    /// multiplies them with OpenBLAS `sgemm`. A GEMV allocates nothing; a GEMM allocates one panel or one buffer of quantized
    /// inputs.
    ///
    /// - Precondition: `input.count ≥ m·columns`, `output.count ≥ m·rows`, `bias` nil or `rows` long.
    public func multiplyTransposed(_ input: [Float], rows m: Int, into output: inout [Float],
                                   bias: [Float]? = nil, accumulate: Bool = false,
                                   path: KernelPath = .active, pool: ThreadPool? = .shared) {
        let n = rows, k = columns
        precondition(m >= 0 && input.count >= m * k && output.count >= m * n && (bias?.count ?? n) >= n,
                     "quantized product size mismatch: m \(m) n \(n) k \(k), counts \(input.count) \(output.count)")
        if m == 0 || n == 0 { return }
        input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                // Never NULL: m, n > 0, and a matrix has columns (k > 0), so both buffers hold elements.
                guard let x = inputBuffer.baseAddress, let y = outputBuffer.baseAddress else { return }
                withOptionalPointer(bias) { b in
                    if m <= Self.gemmRowThreshold {
                        for row in 0..<m {
                            gemv(x + row * k, bias: b, into: y + row * n,
                                 accumulate: accumulate, path: path, pool: pool)
                        }
                    } else if format == .int8 || format == .q4 {
                        int8GEMM(x, m: m, bias: b, into: y, accumulate: accumulate,
                                 path: path, pool: pool)
                    } else {
                        gemm(x, m: m, into: y, accumulate: accumulate, pool: pool)
                        if let b { addRowVector(b, to: y, rows: m, columns: n) }
                    }
                }
            }
        }
    }

    /// One GEMV with raw pointers: `y[rows] = W · x[columns] (+ bias) (+ y)`.
    public func gemv(_ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
                     accumulate: Bool, path: KernelPath = .active, pool: ThreadPool? = .shared) {
        gemv(x, outputs: 0..<rows, bias: bias, into: y, accumulate: accumulate, path: path, pool: pool)
    }

    /// One GEMV over the weight rows `outputs` alone: `y[i − outputs.lowerBound] = W[i] · x (+ bias[i])
    /// (+ y[…])` for i in `outputs`; `bias`, when given, is the full `[rows]` vector. Each output is
    /// its own dot product of `x` (quantized once per call, the same way whatever the range), so the
    /// values are bit for bit those of the full product's rows (e.g. the coarse stage's logits of
    /// one codebook, a twelfth of its `lm_head`).
    /// - Precondition: `outputs` lies within `0 ..< rows`.
    public func gemv(_ x: UnsafePointer<Float>, outputs: Range<Int>, bias: UnsafePointer<Float>?,
                     into y: UnsafeMutablePointer<Float>, accumulate: Bool, path: KernelPath = .active,
                     pool: ThreadPool? = .shared) {
        precondition(outputs.lowerBound >= 0 && outputs.upperBound <= rows, "GEMV rows \(outputs) of \(rows)")
        let first = outputs.lowerBound, n = Int32(outputs.count), k = Int32(columns), acc: Int32 = accumulate ? 1 : 0
        let handle = pool?.handle, p = path.code, b = bias.map { $0 + first }
        if outputs.isEmpty { return }
        switch format {
        case .f32:
            preconditionFailure("unreachable: QuantizedMatrix is never f32")
        case .bf16:
            halves.withUnsafeBufferPointer { ck_gemv_bf16(p, handle, $0.baseAddress.map { $0 + first * columns }, n, k, x, b, y, acc) }
        case .int8:
            bytes.withUnsafeBufferPointer { w in
                scales.withUnsafeBufferPointer {
                    ck_gemv_int8(p, handle, w.baseAddress.map { $0 + first * columns }, $0.baseAddress.map { $0 + first }, n, k, x, b, y, acc)
                }
            }
        case .q4:
            let rowBytes = Int(ck_q4_row_bytes(k)), groups = Int(ck_q4_groups(k))
            nibbles.withUnsafeBufferPointer { w in
                scales.withUnsafeBufferPointer {
                    ck_gemv_q4(p, handle, w.baseAddress.map { $0 + first * rowBytes }, $0.baseAddress.map { $0 + first * groups },
                               n, k, x, b, y, acc)
                }
            }
        }
    }

    /// Panel GEMM (bf16): dequantize `panelRows` weight rows at a time (about 2 MiB of f32) and
    /// multiply them into the matching output columns (`MatrixMultiply`, split over `pool`).
    func gemm(_ x: UnsafePointer<Float>, m: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool, pool: ThreadPool?) {
        let n = rows, k = columns
        if k == 0 {
            if !accumulate { for i in 0..<(m * n) { y[i] = 0 } }
            return
        }
        let panelRows = min(n, max(64, ((1 << 19) / k + 15) & ~15))
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: panelRows * k)
        defer { panel.deallocate() }
        var start = 0
        while start < n {
            let count = min(panelRows, n - start)
            dequantize(rowStart: start, rowCount: count, into: panel, pool: pool)
            MatrixMultiply.multiplyTransposed(x, lda: k, panel, ldb: k, into: y + start, ldc: n, m: m, n: count, k: k,
                                              alpha: 1, beta: accumulate ? 1 : 0, pool: pool)
            start += count
        }
    }

    /// Int8 GEMM with raw pointers: `y[m, rows] = x[m, columns] · Wᵀ (+ bias) (+ y)`, `x` quantized
    /// per row to int8 (scale max|x_row| / 127), sums exact in int32, then scaled by both scales.
    /// `W` is the int8 matrix, or a q4 matrix's int8 requantization (`gemmPanels`). Split over
    /// `pool` by blocks of rows × columns; the portable and SIMD paths agree bit for bit.
    /// - Precondition: `format` is `.int8` or `.q4`.
    public func int8GEMM(_ x: UnsafePointer<Float>, m: Int, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
                         accumulate: Bool, path: KernelPath = .active, pool: ThreadPool? = .shared) {
        precondition(format == .int8 || format == .q4, "int8GEMM needs an int8 or q4 matrix, not \(format)")
        precondition(m < Int(Int32.max), "too many rows for the int8 GEMM: \(m)")
        gemmPanels.withUnsafeBufferPointer { w in
            scales.withUnsafeBufferPointer { all in
                // q4: the GEMM copy's row scales follow the group scales.
                let s = all.baseAddress.map { $0 + (format == .q4 ? q4GroupScaleCount : 0) }
                ck_gemm_int8(path.code, pool?.handle, x, Int32(m), Int32(columns), w.baseAddress, s,
                             Int32(rows), bias, y, accumulate ? 1 : 0)
            }
        }
    }

    private func addRowVector(_ b: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        for r in 0..<m {
            let row = y + r * n
            for c in 0..<n { row[c] += b[c] }
        }
    }
}

@inline(__always)
private func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
