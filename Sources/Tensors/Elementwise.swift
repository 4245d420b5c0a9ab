import CKernels
import Foundation

/// Elementwise operations on row-major `Float` arrays. None of them allocate. GELU and softmax run
/// the `CKernels` row kernels (`KernelPath.active`), split over `ThreadPool.shared`.
public enum Elementwise {
    /// `matrix[r, :] += vector` for each of the first `rows` rows (width = `vector.count`).
    public static func addRowVector(_ vector: [Float], to matrix: inout [Float], rows: Int) {
        let width = vector.count
        precondition(matrix.count >= rows * width, "addRowVector: \(rows)×\(width) exceeds \(matrix.count)")
        vector.withUnsafeBufferPointer { v in
            matrix.withUnsafeMutableBufferPointer { m in
                for r in 0..<rows {
                    let base = r * width
                    for c in 0..<width { m[base + c] += v[c] }
                }
            }
        }
    }

    /// `target[i] += source[i]` for `i < count`.
    public static func add(_ source: [Float], to target: inout [Float], count: Int) {
        add(source, scaledBy: 1, to: &target, count: count)
    }

    /// `target[i] += scale · source[i]` for `i < count` (a gated residual add). Allocates nothing.
    public static func add(_ source: [Float], scaledBy scale: Float, to target: inout [Float], count: Int) {
        precondition(source.count >= count && target.count >= count, "add: count \(count) exceeds arrays")
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                for i in 0..<count { t[i] += scale * s[i] }
            }
        }
    }

    /// Exact (erf-based) GELU in place on the first `count` elements: `x · ½ · (1 + erf(x / √2))`,
    /// as PyTorch's `nn.GELU()` default; erf within 1.5e-7 absolute (the Abramowitz–Stegun formula
    /// PyTorch's vectorised CPU kernel uses).
    public static func geluInPlace(_ values: inout [Float], count: Int, path: KernelPath = .active, pool: ThreadPool? = .shared) {
        precondition(values.count >= count, "gelu: count \(count) exceeds \(values.count)")
        values.withUnsafeMutableBufferPointer { v in
            ck_gelu(path.code, pool?.handle, v.baseAddress, count)
        }
    }

    /// Softmax of each of the first `rows` rows of width `width`, in place (max-subtracted).
    public static func softmaxRowsInPlace(_ values: inout [Float], rows: Int, width: Int,
                                          path: KernelPath = .active, pool: ThreadPool? = .shared) {
        precondition(values.count >= rows * width, "softmax: \(rows)×\(width) exceeds \(values.count)")
        values.withUnsafeMutableBufferPointer { v in
            softmaxRows(v.baseAddress, rows: rows, width: width, stride: width, causalPast: nil, path: path, pool: pool)
        }
    }

    /// Softmax of `rows` rows of `width` floats starting `stride` apart, in place. With
    /// `causalPast`, row `r` covers only its first `min(width, causalPast + r + 1)` entries and
    /// the rest of the row is set to zero. Internal kernel shared with attention.
    static func softmaxRows(_ base: UnsafeMutablePointer<Float>?, rows: Int, width: Int, stride: Int, causalPast: Int?,
                            path: KernelPath = .active, pool: ThreadPool? = .shared) {
        guard let base, rows > 0, width > 0 else { return }
        ck_softmax_rows(path.code, pool?.handle, base, Int32(rows), Int32(width), Int32(stride), Int32(causalPast ?? -1))
    }
}

extension Tensor {
    /// Softmax over the last dimension.
    public func softmaxLastDimension() -> Tensor {
        guard let width = shape.last, width > 0 else { return self }
        var copy = scalars
        Elementwise.softmaxRowsInPlace(&copy, rows: count / width, width: width)
        return Tensor(shape: shape, scalars: copy)
    }

    /// Exact erf GELU applied elementwise.
    public func gelu() -> Tensor {
        var copy = scalars
        Elementwise.geluInPlace(&copy, count: count)
        return Tensor(shape: shape, scalars: copy)
    }
}
