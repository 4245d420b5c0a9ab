import Foundation

/// An in-place iterative radix-2 complex FFT of a fixed power-of-two size, with precomputed
/// twiddles and bit-reversal table (vDSP is not available on Linux).
///
/// Thread safety: immutable after `init`; `transform` works only on the caller's buffers, so one
/// instance may be shared by any number of threads.
struct RadixTwoFFT: Sendable {
    let size: Int
    private let cosines: [Float]
    private let sines: [Float]
    private let reversed: [Int]

    /// - Parameter size: a power of two ≥ 2.
    init(size: Int) {
        precondition(size >= 2 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        cosines = (0..<size / 2).map { Float(cos(2 * Double.pi * Double($0) / Double(size))) }
        sines = (0..<size / 2).map { Float(sin(2 * Double.pi * Double($0) / Double(size))) }
        let bits = size.trailingZeroBitCount
        reversed = (0..<size).map { index in
            var r = 0
            for bit in 0..<bits where index & (1 << bit) != 0 { r |= 1 << (bits - 1 - bit) }
            return r
        }
    }

    /// Transforms `real`/`imaginary` (each `size` long) in place: forward computes
    /// X[k] = Σ x[n]·e^(−2πikn/N); inverse computes Σ X[k]·e^(+2πikn/N) / N.
    func transform(real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>, inverse: Bool) {
        for i in 0..<size {
            let j = reversed[i]
            if j > i {
                swap(&real[i], &real[j])
                swap(&imaginary[i], &imaginary[j])
            }
        }
        let sign: Float = inverse ? 1 : -1
        cosines.withUnsafeBufferPointer { cosTable in
            sines.withUnsafeBufferPointer { sinTable in
                var length = 2
                while length <= size {
                    let half = length / 2
                    let stride = size / length
                    var start = 0
                    while start < size {
                        for k in 0..<half {
                            let wr = cosTable[k * stride]
                            let wi = sign * sinTable[k * stride]
                            let a = start + k
                            let b = a + half
                            let tr = real[b] * wr - imaginary[b] * wi
                            let ti = real[b] * wi + imaginary[b] * wr
                            real[b] = real[a] - tr
                            imaginary[b] = imaginary[a] - ti
                            real[a] += tr
                            imaginary[a] += ti
                        }
                        start += length
                    }
                    length *= 2
                }
            }
        }
        if inverse {
            let scale = 1 / Float(size)
            for i in 0..<size {
                real[i] *= scale
                imaginary[i] *= scale
            }
        }
    }
}

/// The periodic sqrt-Hann window: used for analysis and synthesis, its square sums to one at 50 %
/// overlap, so an unmodified STFT reconstructs its input exactly (up to rounding).
enum SqrtHannWindow {
    static func make(length: Int) -> [Float] {
        (0..<length).map { Float((0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(length))).squareRoot()) }
    }
}
