import CBLAS

/// Dense matrix products over row-major `Float` arrays, backed by OpenBLAS (`cblas_sgemm`/`sgemv`).
///
/// Threading: OpenBLAS runs single-threaded (`ThreadPool.shared` sets it); a product of at least
/// `parallelMultiplyAdds` multiply-adds is split by output columns into one block per pool thread,
/// each an OpenBLAS call on its own thread. Our own split rather than OpenBLAS's threads so that one
/// pool owns every compute thread and its straggler back-off covers these products too (see
/// `ThreadPool`). Each output element is computed within one OpenBLAS call over the whole `k`. Calls from several threads at once are safe (a caller that finds the pool
/// busy computes alone). None of these functions allocate.
public enum MatrixMultiply {
    /// Below this many multiply-adds (`m·n·k`) a product runs as one call on the caller's thread:
    /// waking a worker costs more than it saves.
    public static let parallelMultiplyAdds = 1 << 18

    /// `c[m, n] = a[m, k] · b[n, k]ᵀ (+ c if accumulate)`: the PyTorch `Linear` layout, where `b` is a
    /// weight stored `[out, in]`. Uses GEMV when `m == 1`.
    ///
    /// - Precondition: `a.count ≥ m·k`, `b.count ≥ n·k`, `c.count ≥ m·n`.
    public static func multiplyTransposed(
        _ a: [Float], _ b: [Float], into c: inout [Float],
        m: Int, n: Int, k: Int, accumulate: Bool = false
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0 && a.count >= m * k && b.count >= n * k && c.count >= m * n,
                     "matrix product size mismatch: m \(m) n \(n) k \(k), counts \(a.count) \(b.count) \(c.count)")
        if m == 0 || n == 0 { return }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let ap = pa.baseAddress, let bp = pb.baseAddress, let cp = pc.baseAddress else { return }
                    if k == 0 {
                        if !accumulate { pc.update(repeating: 0) }
                        return
                    }
                    multiplyTransposed(ap, lda: k, bp, ldb: k, into: cp, ldc: n, m: m, n: n, k: k,
                                       alpha: 1, beta: accumulate ? 1 : 0)
                }
            }
        }
    }

    /// `c[m, n] = a[m, k] · b[k, n]`, all row-major.
    public static func multiply(
        _ a: [Float], _ b: [Float], into c: inout [Float], m: Int, n: Int, k: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0 && a.count >= m * k && b.count >= k * n && c.count >= m * n,
                     "matrix product size mismatch: m \(m) n \(n) k \(k), counts \(a.count) \(b.count) \(c.count)")
        if m == 0 || n == 0 { return }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let ap = pa.baseAddress, let bp = pb.baseAddress, let cp = pc.baseAddress else { return }
                    if k == 0 { pc.update(repeating: 0); return }
                    multiply(ap, lda: k, bp, ldb: n, into: cp, ldc: n, m: m, n: n, k: k, alpha: 1)
                }
            }
        }
    }

    /// Raw-pointer `c = alpha · a · bᵀ + beta · c` with leading dimensions: `a` is `[m, k]`, `b` is
    /// `[n, k]` (rows `ldb` apart), `c` is `[m, n]`. `m == 1` runs as GEMV. Split over `pool` (nil:
    /// on the caller alone).
    public static func multiplyTransposed(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int,
        alpha: Float, beta: Float, pool: ThreadPool? = .shared
    ) {
        forColumnBlocks(m: m, n: n, k: k, pool: pool) { start, count in
            if m == 1 {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(count), Int32(k), alpha, b + start * ldb, Int32(ldb),
                            a, 1, beta, c + start, 1)
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(count), Int32(k),
                            alpha, a, Int32(lda), b + start * ldb, Int32(ldb), beta, c + start, Int32(ldc))
            }
        }
    }

    /// Raw-pointer `c = alpha · a · b` (overwritten) with leading dimensions: `a` is `[m, k]`, `b` is
    /// `[k, n]` (rows `ldb` apart), `c` is `[m, n]`. Split over `pool` (nil: on the caller alone).
    public static func multiply(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int,
        alpha: Float, pool: ThreadPool? = .shared
    ) {
        forColumnBlocks(m: m, n: n, k: k, pool: pool) { start, count in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(count), Int32(k),
                        alpha, a, Int32(lda), b + start, Int32(ldb), 0, c + start, Int32(ldc))
        }
    }

    /// Calls `body(firstColumn, columns)` once per block of output columns: one block on the caller
    /// for a small product, else one per pool thread (multiples of 16 columns but the last).
    private static func forColumnBlocks(m: Int, n: Int, k: Int, pool: ThreadPool?, _ body: (Int, Int) -> Void) {
        let blocks = min(pool?.threads ?? 1, n / 16)
        guard let pool, blocks > 1, m * n * k >= parallelMultiplyAdds else {
            body(0, n)
            return
        }
        let width = ((n + blocks - 1) / blocks + 15) & ~15
        let used = (n + width - 1) / width
        pool.parallelFor(count: used) { block in
            let start = block * width
            body(start, min(width, n - start))
        }
    }
}

extension Tensor {
    /// Matrix product of two rank-2 tensors: `[m, k] · [k, n] → [m, n]`.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0],
                     "matmul shapes \(shape) · \(other.shape)")
        var out = [Float](repeating: 0, count: shape[0] * other.shape[1])
        MatrixMultiply.multiply(scalars, other.scalars, into: &out, m: shape[0], n: other.shape[1], k: shape[1])
        return Tensor(shape: [shape[0], other.shape[1]], scalars: out)
    }
}
