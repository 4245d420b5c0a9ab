import Testing
@testable import Tensors
import TestSupport

/// The int8 GEMM (`QuantizedMatrix.int8GEMM`, used by `multiplyTransposed` for `.int8` above
/// `gemmRowThreshold` rows) on every kernel path this CPU runs.
///
/// Three checks, inputs uniform in [-1, 1), weights in [-0.05, 0.05):
/// - against a Swift emulation of the same arithmetic (activations quantized with the same Float
///   operations, integer dot products in `Int`, the same Float scaling order): bit-identical
///   (`==`), since the kernel's int32 sums are exact and every path converts them identically;
/// - against the f32 product with the dequantized weights: max |Δ| / max |ref| ≤ 2e-2. The only
///   extra error is the activation rounding, at most max|x_row| / 254 per term; over k terms of
///   random sign it grows like √k while the outputs grow like √k too, so the relative error stays
///   near 1 / 254 · (a small factor) ≈ 3e-3 (measured ≤ 5.6e-3 on these shapes, the worst at
///   k = 45); 2e-2 is the int8 tolerance the GEMV tests already use for weight rounding;
/// - the AVX2 (and AVX-512) paths against the portable one: bit-identical.
@Suite struct Int8GEMMTests {
    /// (m, n, k): odd sizes (partial 6-row and 16-column tiles, odd k), k over one 768-wide slice
    /// (int32 partial sums carried between slices), the pool-sized case.
    static let shapes: [(Int, Int, Int)] = [(1, 37, 45), (2, 37, 45), (3, 37, 45), (17, 37, 45), (7, 16, 1),
                                            (9, 40, 1601), (130, 300, 768)]

    func data(_ m: Int, _ n: Int, _ k: Int, seed: UInt64) -> (x: [Float], w: Tensor, bias: [Float], y0: [Float]) {
        var random = SplitMix64(seed: seed)
        return (random.floats(m * k), Tensor(shape: [n, k], scalars: random.floats(n * k, scale: 0.05)),
                random.floats(n), random.floats(m * n))
    }

    /// What the kernel computes, in plain Swift.
    func emulate(_ q: QuantizedMatrix, _ x: [Float], m: Int, bias: [Float]?, y0: [Float], accumulate: Bool) -> [Float] {
        let n = q.rows, k = q.columns
        var y = y0
        for r in 0..<m {
            let row = x[(r * k)..<(r * k + k)]
            let peak = row.map { abs($0) }.max() ?? 0
            let inv: Float = peak > 0 ? 127 / peak : 0, aScale = peak / 127
            let a = row.map { v -> Int in Int(min(max((v * inv).rounded(.toNearestOrEven), -127), 127)) }
            for c in 0..<n {
                var sum = 0
                for i in 0..<k { sum += a[i] * Int(q.bytes[c * k + i]) }
                var v = Float(sum)
                v = v * aScale
                v = v * q.scales[c]
                if let bias { v = v + bias[c] }
                if accumulate { v = y[r * n + c] + v }
                y[r * n + c] = v
            }
        }
        return y
    }

    func run(_ q: QuantizedMatrix, _ x: [Float], m: Int, bias: [Float]?, y0: [Float], accumulate: Bool,
             path: KernelPath, pool: ThreadPool?) -> [Float] {
        var y = y0
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if let bias {
                    bias.withUnsafeBufferPointer {
                        q.int8GEMM(xp.baseAddress!, m: m, bias: $0.baseAddress, into: yp.baseAddress!, accumulate: accumulate,
                                   path: path, pool: pool)
                    }
                } else {
                    q.int8GEMM(xp.baseAddress!, m: m, bias: nil, into: yp.baseAddress!, accumulate: accumulate, path: path, pool: pool)
                }
            }
        }
        return y
    }

    @Test(arguments: KernelPath.supported)
    func matchesEmulationAndF32(_ path: KernelPath) {
        var worst: Float = 0
        for (index, (m, n, k)) in Self.shapes.enumerated() {
            let (x, w, b, y0) = data(m, n, k, seed: UInt64(index * 11 + 3))
            let q = QuantizedMatrix(w, format: .int8)
            let dequantized = Linear(weight: q.dequantized(), bias: nil)
            for withBias in [false, true] {
                for accumulate in [false, true] {
                    let bias = withBias ? b : nil
                    let got = run(q, x, m: m, bias: bias, y0: y0, accumulate: accumulate, path: path, pool: .shared)
                    let label = "\(path) m \(m) n \(n) k \(k) bias \(withBias) acc \(accumulate)"
                    #expect(got == emulate(q, x, m: m, bias: bias, y0: y0, accumulate: accumulate), "\(label): emulation")
                    var reference = y0
                    dequantized.apply(x, rows: m, into: &reference, accumulate: accumulate)
                    if let bias {
                        for r in 0..<m { for c in 0..<n { reference[r * n + c] += bias[c] } }
                    }
                    let error = errorRelativeToMax(got, reference)
                    worst = max(worst, error)
                    #expect(error <= 2e-2, "\(label): vs f32 \(error)")
                }
            }
        }
        print("int8 GEMM \(path): max error vs dequantized f32 \(worst)")
    }

    @Test func pathsAndPoolsAreBitIdentical() {
        let (m, n, k) = (130, 300, 768)
        let (x, w, b, y0) = data(m, n, k, seed: 42)
        let q = QuantizedMatrix(w, format: .int8)
        let portable = run(q, x, m: m, bias: b, y0: y0, accumulate: true, path: .portable, pool: nil)
        for path in KernelPath.supported {
            for pool in [nil, ThreadPool.shared, ThreadPool(threads: 3)] {
                let got = run(q, x, m: m, bias: b, y0: y0, accumulate: true, path: path, pool: pool)
                #expect(got == portable, "\(path) with \(pool?.threads ?? 1) threads vs portable serial")
            }
        }
    }

    @Test func multiplyTransposedUsesTheInt8GEMMAboveTheThreshold() {
        let (m, n, k) = (QuantizedMatrix.gemmRowThreshold + 1, 40, 64)
        let (x, w, b, y0) = data(m, n, k, seed: 7)
        let q = QuantizedMatrix(w, format: .int8)
        var y = y0
        q.multiplyTransposed(x, rows: m, into: &y, bias: b, accumulate: true)
        #expect(y == run(q, x, m: m, bias: b, y0: y0, accumulate: true, path: .active, pool: .shared))
        #expect(q.gemmPackedByteCount == 3 * 32 * 32)
    }

    @Test func zeroAndNonFiniteRows() {
        let (n, k) = (20, 9)
        let (_, w, _, _) = data(1, n, k, seed: 5)
        let q = QuantizedMatrix(w, format: .int8)
        var x = [Float](repeating: 0, count: 3 * k)
        x[2 * k + 4] = .nan
        for path in KernelPath.supported {
            let y = run(q, x, m: 3, bias: nil, y0: [Float](repeating: 1, count: 3 * n), accumulate: false, path: path, pool: nil)
            #expect(y[0..<(2 * n)].allSatisfy { $0 == 0 }, "\(path): zero rows give 0")
            #expect(y[(2 * n)...].allSatisfy { $0.isNaN }, "\(path): a NaN input makes its row NaN")
        }
    }
}
