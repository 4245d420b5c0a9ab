import Foundation

extension Elementwise {
    /// ELU in place on the first `count` elements: `x > 0 ? x : α·(eˣ − 1)`, as `nn.ELU(alpha)`
    /// (α = 1 by default). Uses `expm1f` for accuracy near 0. Allocates nothing.
    public static func eluInPlace(_ values: inout [Float], count: Int, alpha: Float = 1) {
        precondition(values.count >= count, "elu: count \(count) exceeds \(values.count)")
        values.withUnsafeMutableBufferPointer { v in
            for i in 0..<count where v[i] <= 0 { v[i] = alpha * expm1f(v[i]) }
        }
    }
}

extension Tensor {
    /// ELU (α = `alpha`) applied elementwise.
    public func elu(alpha: Float = 1) -> Tensor {
        var copy = scalars
        Elementwise.eluInPlace(&copy, count: count, alpha: alpha)
        return Tensor(shape: shape, scalars: copy)
    }
}
