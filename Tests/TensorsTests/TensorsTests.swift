import Foundation
import Testing
@testable import Tensors
import TestSupport

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct MatrixMultiplyTests {
    @Test(arguments: [(1, 7, 5), (3, 4, 6), (17, 33, 9), (64, 1, 64)])
    func multiplyTransposedMatchesNaive(m: Int, n: Int, k: Int) {
        var random = SplitMix64(seed: UInt64(m * 1000 + n * 10 + k))
        let a = random.floats(m * k), b = random.floats(n * k)
        var c = [Float](repeating: 0, count: m * n)
        MatrixMultiply.multiplyTransposed(a, b, into: &c, m: m, n: n, k: k)
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for l in 0..<k { expected[i * n + j] += a[i * k + l] * b[j * k + l] } } }
        #expect(maxAbsDifference(c, expected) < 1e-5)
        // accumulate adds on top
        MatrixMultiply.multiplyTransposed(a, b, into: &c, m: m, n: n, k: k, accumulate: true)
        #expect(maxAbsDifference(c, expected.map { $0 * 2 }) < 1e-5)
    }

    /// Products above `parallelMultiplyAdds` are split by output columns over the pool: the same
    /// product as one OpenBLAS call on one thread (to rounding: OpenBLAS's kernels for the edge
    /// columns of a block sum in another order), for GEMM, GEMV and the `[k, n]` layout.
    @Test(arguments: [(1, 1000, 300), (37, 200, 96), (64, 50, 129), (5, 400, 200)])
    func splitProductsEqualOneCall(m: Int, n: Int, k: Int) {
        var random = SplitMix64(seed: UInt64(m * 7 + n * 3 + k))
        let a = random.floats(m * k), b = random.floats(n * k), start = random.floats(m * n)
        #expect(m * n * k >= MatrixMultiply.parallelMultiplyAdds)
        let pool = ThreadPool(threads: 3)
        func product(transposed: Bool, pool: ThreadPool?) -> [Float] {
            var c = start
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        guard let ap = pa.baseAddress, let bp = pb.baseAddress, let cp = pc.baseAddress else { return }
                        if transposed {  // c = 0.5 · a · bᵀ + c, b as [n, k]
                            MatrixMultiply.multiplyTransposed(ap, lda: k, bp, ldb: k, into: cp, ldc: n, m: m, n: n, k: k,
                                                              alpha: 0.5, beta: 1, pool: pool)
                        } else {  // c = a · b, b as [k, n]
                            MatrixMultiply.multiply(ap, lda: k, bp, ldb: n, into: cp, ldc: n, m: m, n: n, k: k, alpha: 1, pool: pool)
                        }
                    }
                }
            }
            return c
        }
        for transposed in [true, false] {
            let split = product(transposed: transposed, pool: pool), single = product(transposed: transposed, pool: nil)
            let scale = single.map(abs).max() ?? 1
            #expect(maxAbsDifference(split, single) <= 1e-5 * scale,
                    "m \(m) n \(n) k \(k) transposed \(transposed): largest difference \(maxAbsDifference(split, single)) of \(scale)")
        }
    }

    @Test func matmulOfTensors() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b) == Tensor(shape: [2, 2], scalars: [58, 64, 139, 154]))
    }

    @Test func linearWithBiasAndGEMVPath() {
        let layer = Linear(weight: Tensor(shape: [2, 3], scalars: [1, 0, -1, 2, 1, 0]),
                           bias: Tensor(shape: [2], scalars: [0.5, -1]))
        #expect(layer(Tensor(shape: [1, 3], scalars: [1, 2, 3])).scalars == [-1.5, 3])
        #expect(layer(Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 1])).scalars == [-1.5, 3, -0.5, -1])
    }
}

@Suite struct ElementwiseTests {
    @Test func layerNormMatchesDefinition() {
        var random = SplitMix64(seed: 7)
        let width = 10, rows = 3
        let x = random.floats(rows * width, scale: 3)
        let w = random.floats(width), b = random.floats(width)
        let norm = LayerNorm(weight: Tensor(shape: [width], scalars: w), bias: Tensor(shape: [width], scalars: b))
        let y = norm(Tensor(shape: [rows, width], scalars: x)).scalars
        for r in 0..<rows {
            let row = Array(x[(r * width)..<((r + 1) * width)])
            let mean = row.reduce(0, +) / Float(width)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(width)
            for c in 0..<width {
                let expected = (row[c] - mean) / (variance + 1e-5).squareRoot() * w[c] + b[c]
                #expect(abs(y[r * width + c] - expected) < 1e-5)
            }
        }
        let noBias = LayerNorm(weight: Tensor(shape: [width], scalars: w))
        let y2 = noBias(Tensor(shape: [rows, width], scalars: x)).scalars
        #expect(maxAbsDifference(zip(y, y2).map { $0 - $1 }, (0..<(rows * width)).map { b[$0 % width] }) < 1e-6)
    }

    @Test func geluIsExactErfForm() {
        let t = Tensor(shape: [5], scalars: [-3, -1, 0, 1, 3]).gelu()
        // Values of 0.5·x·(1+erf(x/√2)) computed in double precision.
        let expected: [Float] = [-0.0040496499, -0.15865525, 0, 0.84134475, 2.9959504]
        #expect(maxAbsDifference(t.scalars, expected) < 1e-6)
    }

    @Test func softmaxRowsSumToOneAndHandleLargeValues() {
        let t = Tensor(shape: [2, 3], scalars: [1000, 1001, 1002, -5, 0, 5]).softmaxLastDimension()
        #expect(abs(t.scalars[0..<3].reduce(0, +) - 1) < 1e-6)
        #expect(abs(t.scalars[2] - 0.66524096) < 1e-6)
        #expect(t.scalars.allSatisfy { $0.isFinite })
    }

    @Test func embeddingLooksUpAndAccumulates() {
        let e = Embedding(table: Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21]))
        var out = [Float](repeating: 0, count: 4)
        e.lookup([2, 0], into: &out)
        #expect(out == [20, 21, 0, 1])
        e.lookup([1, 1], into: &out, accumulate: true)
        #expect(out == [30, 32, 10, 12])
    }
}

/// Naive attention for one sequence: causal mask aligned bottom-right.
func referenceAttention(q: [[Float]], k: [[Float]], v: [[Float]], heads: Int, causal: Bool) -> [[Float]] {
    let rows = q.count, keys = k.count, hidden = q[0].count, d = hidden / heads
    var out = [[Float]](repeating: [Float](repeating: 0, count: hidden), count: rows)
    for h in 0..<heads {
        for i in 0..<rows {
            let visible = causal ? keys - rows + i + 1 : keys
            var scores = (0..<visible).map { j in
                (0..<d).reduce(Float(0)) { $0 + q[i][h * d + $1] * k[j][h * d + $1] } / Float(d).squareRoot()
            }
            let m = scores.max() ?? 0
            scores = scores.map { expf($0 - m) }
            let s = scores.reduce(0, +)
            for j in 0..<visible { for c in 0..<d { out[i][h * d + c] += scores[j] / s * v[j][h * d + c] } }
        }
    }
    return out
}

@Suite struct AttentionTests {
    @Test(arguments: [true, false])
    func selfAttentionMatchesNaive(causal: Bool) {
        var random = SplitMix64(seed: causal ? 1 : 2)
        let rows = 6, heads = 2, hidden = 8
        let qkv = random.floats(rows * 3 * hidden, scale: 2)
        var scratch = [Float](repeating: 0, count: rows * rows)
        var out = [Float](repeating: 0, count: rows * hidden)
        Attention.selfAttention(qkv: qkv, rows: rows, hidden: hidden, heads: heads, causal: causal, scratch: &scratch, output: &out)
        func part(_ p: Int) -> [[Float]] { (0..<rows).map { r in Array(qkv[(r * 3 * hidden + p * hidden)..<(r * 3 * hidden + (p + 1) * hidden)]) } }
        let expected = referenceAttention(q: part(0), k: part(1), v: part(2), heads: heads, causal: causal)
        #expect(maxAbsDifference(out, expected.flatMap { $0 }) < 1e-5)
    }

    @Test func cachedAttentionInPiecesEqualsFullCausal() {
        var random = SplitMix64(seed: 3)
        let rows = 9, heads = 3, hidden = 12
        let qkv = random.floats(rows * 3 * hidden, scale: 2)
        var scratch = [Float](repeating: 0, count: rows * rows)
        var full = [Float](repeating: 0, count: rows * hidden)
        Attention.selfAttention(qkv: qkv, rows: rows, hidden: hidden, heads: heads, causal: true, scratch: &scratch, output: &full)

        var cache = KVCache(layers: 2, capacity: 16, hidden: hidden)
        var pieces: [Float] = []
        for (start, count) in [(0, 4), (4, 1), (5, 3), (8, 1)] {
            let chunk = Array(qkv[(start * 3 * hidden)..<((start + count) * 3 * hidden)])
            var out = [Float](repeating: 0, count: count * hidden)
            Attention.cachedSelfAttention(qkv: chunk, rows: count, heads: heads, cache: &cache, layer: 1, scratch: &scratch, output: &out)
            cache.advance(by: count)
            pieces += out
        }
        #expect(cache.count == rows)
        #expect(maxAbsDifference(pieces, full) < 1e-5)
        cache.reset()
        #expect(cache.count == 0 && cache.remaining == 16)
    }
}
