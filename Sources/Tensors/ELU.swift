import CKernels

extension Elementwise {
    /// ELU in place on the first `count` elements: `x > 0 ? x : α·(eˣ − 1)`, as `nn.ELU(alpha)`
    /// (α = 1 by default), split over `pool`. The portable path uses `expm1f`; the AVX2 path is
    /// within a few ulp of it (`ck_elu`). Allocates nothing.
    public static func eluInPlace(_ values: inout [Float], count: Int, alpha: Float = 1,
                                  path: KernelPath = .active, pool: ThreadPool? = .shared) {
        precondition(values.count >= count, "elu: count \(count) exceeds \(values.count)")
        values.withUnsafeMutableBufferPointer { v in
            ck_elu(path.code, pool?.handle, v.baseAddress, count, alpha)
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
