import Foundation

/// Elementwise operations on row-major `Float` arrays. None of them allocate.
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
        precondition(source.count >= count && target.count >= count, "add: count \(count) exceeds arrays")
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                for i in 0..<count { t[i] += s[i] }
            }
        }
    }

    /// Exact (erf-based) GELU in place on the first `count` elements: `x · ½ · (1 + erf(x / √2))`,
    /// as PyTorch's `nn.GELU()` default.
    public static func geluInPlace(_ values: inout [Float], count: Int) {
        precondition(values.count >= count, "gelu: count \(count) exceeds \(values.count)")
        let invSqrt2: Float = 0.70710678118654752440
        values.withUnsafeMutableBufferPointer { v in
            for i in 0..<count {
                let x = v[i]
                v[i] = 0.5 * x * (1 + erff(x * invSqrt2))
            }
        }
    }

    /// Softmax of each of the first `rows` rows of width `width`, in place (max-subtracted).
    public static func softmaxRowsInPlace(_ values: inout [Float], rows: Int, width: Int) {
        precondition(values.count >= rows * width, "softmax: \(rows)×\(width) exceeds \(values.count)")
        values.withUnsafeMutableBufferPointer { v in
            guard let base = v.baseAddress else { return }
            for r in 0..<rows { softmaxInPlace(UnsafeMutableBufferPointer(start: base + r * width, count: width)) }
        }
    }

    /// Softmax of one contiguous span in place. Internal kernel shared with attention.
    @usableFromInline
    static func softmaxInPlace(_ row: UnsafeMutableBufferPointer<Float>) {
        guard !row.isEmpty else { return }
        var maximum = -Float.infinity
        for x in row where x > maximum { maximum = x }
        var sum: Float = 0
        for i in row.indices {
            let e = expf(row[i] - maximum)
            row[i] = e
            sum += e
        }
        let scale = 1 / sum
        for i in row.indices { row[i] *= scale }
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
