import CKernels

/// IEEE binary16 conversions (the f16 KV cache's storage): f32 → f16 rounds to nearest even
/// (overflow → ±inf, NaN stays NaN, subnormals kept), f16 → f32 is exact. Every kernel path gives
/// the same bits (the AVX2 path uses F16C where the CPU has it).
///
/// Threading: pure functions.
public enum HalfFloat {
    /// `values` rounded to binary16 bit patterns.
    public static func bits(_ values: [Float], path: KernelPath = .active) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in ck_f32_to_f16(path.code, src.baseAddress, dst.baseAddress, values.count) }
        }
        return out
    }

    /// binary16 bit patterns widened to f32.
    public static func floats(_ bits: [UInt16], path: KernelPath = .active) -> [Float] {
        var out = [Float](repeating: 0, count: bits.count)
        bits.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in ck_f16_to_f32(path.code, src.baseAddress, dst.baseAddress, bits.count) }
        }
        return out
    }
}
