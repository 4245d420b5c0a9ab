import Foundation
import Testing
@testable import Tensors
import TestSupport

/// The row kernels (softmax, GELU, LayerNorm, one-query attention) on every kernel path this CPU
/// runs, against double-precision definitions, serially and split over a pool.
@Suite struct RowKernelTests {
    static let paths = KernelPath.supported

    @Test(arguments: paths)
    func softmaxMatchesDefinitionWithAndWithoutCausalMask(path: KernelPath) {
        var random = SplitMix64(seed: 11)
        for (rows, width, past) in [(3, 5, nil), (40, 1024, nil), (40, 300, 260), (7, 37, 0)] as [(Int, Int, Int?)] {
            let input = random.floats(rows * width, scale: 12)
            var output = input
            output.withUnsafeMutableBufferPointer {
                Elementwise.softmaxRows($0.baseAddress, rows: rows, width: width, stride: width, causalPast: past, path: path)
            }
            var worst = 0.0
            for r in 0..<rows {
                let visible = past.map { min(width, $0 + r + 1) } ?? width
                let row = input[(r * width)..<(r * width + visible)].map(Double.init)
                let m = row.max() ?? 0
                let e = row.map { Foundation.exp($0 - m) }
                let s = e.reduce(0, +)
                for c in 0..<width {
                    let expected = c < visible ? e[c] / s : 0
                    worst = max(worst, abs(Double(output[r * width + c]) - expected))
                }
            }
            #expect(worst < 1e-6, "\(path) rows \(rows) width \(width) past \(String(describing: past)): \(worst)")
        }
    }

    @Test(arguments: paths)
    func geluMatchesTheErfDefinition(path: KernelPath) {
        var random = SplitMix64(seed: 12)
        let input = random.floats(20_011, scale: 9) + [0, -0.0, 1e-6, -1e-6, 40, -40]
        for pool in [nil, ThreadPool(threads: 3)] as [ThreadPool?] {
            var output = input
            Elementwise.geluInPlace(&output, count: output.count, path: path, pool: pool)
            var worst = 0.0
            for (x, y) in zip(input, output) {
                let xd = Double(x), expected = 0.5 * xd * (1 + Foundation.erf(xd / 2.0.squareRoot()))
                worst = max(worst, abs(Double(y) - expected) / max(1, abs(xd)))
            }
            // erf within 1.5e-7 absolute (Abramowitz–Stegun 7.1.26) plus float rounding.
            #expect(worst < 4e-7, "\(path): \(worst)")
        }
    }

    /// ELU within a few float ulp of the double-precision definition, across both branches of
    /// the AVX2 expm1 (the series above −0.35, the exponential below) and the tails.
    @Test(arguments: paths)
    func eluMatchesTheDefinitionToAFewUlp(path: KernelPath) {
        var random = SplitMix64(seed: 14)
        let edges: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, -0.35, -0.3500001, -0.3499999, -1, 3, -20, -88, -104, -200]
        let input = random.floats(20_011, scale: 0.5) + random.floats(5_003, scale: 12) + edges
        for alpha in [Float(1), 0.7] {
            for pool in [nil, ThreadPool(threads: 3)] as [ThreadPool?] {
                var output = input
                Elementwise.eluInPlace(&output, count: output.count, alpha: alpha, path: path, pool: pool)
                var worstUlp = 0.0
                for (x, y) in zip(input, output) {
                    let xd = Double(x)
                    let expected = xd > 0 ? xd : Double(alpha) * Foundation.expm1(xd)
                    let ulp = Double(Float(expected).ulp == 0 ? Float.leastNonzeroMagnitude : Float(expected).ulp)
                    worstUlp = max(worstUlp, abs(Double(y) - expected) / ulp)
                }
                #expect(worstUlp <= 4, "\(path) alpha \(alpha): \(worstUlp) ulp")
            }
        }
    }

    @Test(arguments: paths)
    func layerNormMatchesDefinition(path: KernelPath) {
        var random = SplitMix64(seed: 13)
        let rows = 33, width = 771
        let x = random.floats(rows * width, scale: 5).enumerated().map { $0.element + Float($0.offset % 7) }
        let w = random.floats(width), b = random.floats(width)
        for bias in [b, nil] as [[Float]?] {
            let norm = LayerNorm(weight: Tensor(shape: [width], scalars: w), bias: bias.map { Tensor(shape: [width], scalars: $0) })
            var y = [Float](repeating: .nan, count: rows * width)
            norm.apply(x, rows: rows, into: &y, path: path, pool: ThreadPool(threads: 2))
            var worst = 0.0
            for r in 0..<rows {
                let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
                let mean = row.reduce(0, +) / Double(width)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
                for c in 0..<width {
                    let expected = (row[c] - mean) / (variance + 1e-5).squareRoot() * Double(w[c]) + Double(bias?[c] ?? 0)
                    worst = max(worst, abs(Double(y[r * width + c]) - expected))
                }
            }
            #expect(worst < 2e-6, "\(path) bias \(bias != nil): \(worst)")
        }
    }

    /// One decoding step (one query over the cache) against the naive definition, for Bark's head
    /// width 64 (the AVX2 kernel) and an odd one (the portable fallback).
    @Test(arguments: paths)
    func oneQueryAttentionMatchesNaive(path: KernelPath) {
        var random = SplitMix64(seed: 14)
        for (heads, headDim, past) in [(12, 64, 299), (3, 5, 20), (2, 64, 0)] {
            let hidden = heads * headDim, rows = past + 1
            let qkv = random.floats(rows * 3 * hidden, scale: 2)
            var cache = KVCache(layers: 1, capacity: rows + 3, hidden: hidden)
            var scratch = [Float](repeating: 0, count: Attention.scratchCount(rows: rows, keys: rows, heads: heads))
            var ignored = [Float](repeating: 0, count: rows * hidden)
            if past > 0 {
                Attention.cachedSelfAttention(qkv: Array(qkv.prefix(past * 3 * hidden)), rows: past, heads: heads, cache: &cache,
                                              layer: 0, scratch: &scratch, output: &ignored, path: path)
                cache.advance(by: past)
            }
            var out = [Float](repeating: .nan, count: hidden)
            Attention.cachedSelfAttention(qkv: Array(qkv.suffix(3 * hidden)), rows: 1, heads: heads, cache: &cache,
                                          layer: 0, scratch: &scratch, output: &out, path: path)
            func part(_ p: Int) -> [[Float]] {
                (0..<rows).map { r in Array(qkv[(r * 3 * hidden + p * hidden)..<(r * 3 * hidden + (p + 1) * hidden)]) }
            }
            let expected = referenceAttention(q: [part(0)[past]], k: part(1), v: part(2), heads: heads, causal: true)
            #expect(maxAbsDifference(out, expected[0]) < 2e-5, "\(path) heads \(heads)×\(headDim) past \(past)")
        }
    }
}
