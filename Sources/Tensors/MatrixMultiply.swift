import CBLAS

/// Dense matrix products over row-major `Float` arrays, backed by OpenBLAS (`cblas_sgemm`/`sgemv`).
///
/// Threading: OpenBLAS parallelises large products over its own thread pool; calls from several
/// threads at once are safe. None of these functions allocate.
public enum MatrixMultiply {
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
        let beta: Float = accumulate ? 1 : 0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let ap = pa.baseAddress, let bp = pb.baseAddress, let cp = pc.baseAddress else { return }
                    if k == 0 {
                        if !accumulate { pc.update(repeating: 0) }
                    } else if m == 1 {
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, bp, Int32(k),
                                    ap, 1, beta, cp, 1)
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                                    1, ap, Int32(k), bp, Int32(k), beta, cp, Int32(n))
                    }
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
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                                1, ap, Int32(k), bp, Int32(n), 0, cp, Int32(n))
                }
            }
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
