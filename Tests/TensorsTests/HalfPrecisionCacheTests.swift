import Foundation
import Testing
@testable import Tensors
import TestSupport

/// The f16 KV cache: binary16 conversions (known values, every path bit-identical to the portable
/// one, exact round trips), and cached attention on an f16 cache — a prefill of several rows and
/// decoding steps see the same rounded keys, and the result stays within binary16 rounding of the
/// f32 cache's.
@Suite struct HalfPrecisionCacheTests {
    @Test func knownValuesRoundToNearestEven() {
        let values: [Float] = [0, -0.0, 1, -2, 65504, 65519, 65520, 1e6, -.infinity, 1.0 / 3.0, 5.960464477539063e-8,
                               2.98e-8, 2.99e-8, 6.097555e-5, 6.1035156e-5,
                               1 + 1.0 / 2048,  // a tie between 1 and 1 + 2⁻¹⁰ goes to the even one
                               1 + 3.0 / 2048]
        let expectedBits: [UInt16] = [0x0000, 0x8000, 0x3C00, 0xC000, 0x7BFF, 0x7BFF, 0x7C00, 0x7C00, 0xFC00, 0x3555, 0x0001,
                                      0x0000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0x3C02]
        let cases = Array(zip(values, expectedBits))
        for path in KernelPath.supported {
            let bits = HalfFloat.bits(values + values, path: path)  // 34 values: the vector loop and the tail
            for (i, (value, expected)) in cases.enumerated() {
                #expect(bits[i] == expected && bits[i + cases.count] == expected,
                        "\(path): \(value) → \(String(bits[i], radix: 16)), expected \(String(expected, radix: 16))")
            }
            #expect(HalfFloat.bits([.nan], path: path)[0] & 0x7C00 == 0x7C00 && HalfFloat.bits([.nan], path: path)[0] & 0x3FF != 0)
        }
    }

    @Test func everyPathGivesThePortableBitsAndHalvesRoundTrip() {
        var random = SplitMix64(seed: 21)
        let values = random.floats(4099, scale: 4) + random.floats(1000, scale: 1e-4) + random.floats(1000, scale: 7e4)
        let portable = HalfFloat.bits(values, path: .portable)
        let every: [UInt16] = (0...0xFFFF).map { UInt16($0) }.filter { ($0 & 0x7C00) != 0x7C00 || ($0 & 0x3FF) == 0 }  // all but NaNs
        let widened = HalfFloat.floats(every, path: .portable)
        for path in KernelPath.supported {
            #expect(HalfFloat.bits(values, path: path) == portable, "\(path)")
            #expect(HalfFloat.floats(every, path: path).map { $0.bitPattern } == widened.map { $0.bitPattern }, "\(path)")
            #expect(HalfFloat.bits(widened, path: path) == every, "\(path): a binary16 value must come back unchanged")
        }
        // Rounding error ≤ 2⁻¹¹ relative for normal halves.
        let back = HalfFloat.floats(portable)
        for (x, y) in zip(values, back) where abs(x) >= 6.2e-5 && abs(x) < 65504 {
            #expect(abs(x - y) <= abs(x) * 0x1p-11, "\(x) → \(y)")
        }
    }

    /// Prefill then decoding steps on an f16 cache equal one f16 prefill over all rows (same
    /// rounded keys either way) and stay within binary16 rounding of the f32 cache.
    @Test(arguments: KernelPath.supported)
    func halfCacheAttentionMatchesTheF32CacheWithinRounding(path: KernelPath) {
        var random = SplitMix64(seed: 23)
        for (heads, headDim) in [(4, 64), (3, 5)] {
            let hidden = heads * headDim, rows = 40, past = 30
            let qkv = random.floats(rows * 3 * hidden, scale: 2)
            func run(_ precision: KVCachePrecision, steps: Bool) -> [Float] {
                var cache = KVCache(layers: 2, capacity: rows + 2, hidden: hidden, precision: precision)
                var scratch = [Float](repeating: 0, count: Attention.scratchCount(rows: rows, keys: rows, heads: heads))
                var pieces: [Float] = []
                for (start, count) in steps ? [(0, past)] + (past..<rows).map { ($0, 1) } : [(0, rows)] {
                    var out = [Float](repeating: .nan, count: count * hidden)
                    Attention.cachedSelfAttention(qkv: Array(qkv[(start * 3 * hidden)..<((start + count) * 3 * hidden)]), rows: count,
                                                  heads: heads, cache: &cache, layer: 1, scratch: &scratch, output: &out, path: path)
                    cache.advance(by: count)
                    pieces += out
                }
                return pieces
            }
            let exact = run(.f32, steps: true), halfSteps = run(.f16, steps: true), halfPrefill = run(.f16, steps: false)
            #expect(maxAbsDifference(halfSteps, halfPrefill) < 2e-5, "\(path) \(heads)×\(headDim): decode vs prefill on f16")
            let error = maxAbsDifference(halfSteps, exact)
            #expect(error > 0 && error < 4e-3, "\(path) \(heads)×\(headDim): f16 vs f32 cache \(error)")
        }
    }

    @Test func onlyThePrecisionsArraysAreAllocated() {
        let half = KVCache(layers: 2, capacity: 8, hidden: 4, precision: .f16)
        #expect(half.keys.isEmpty && half.values.isEmpty && half.halfKeys.count == 64 && half.halfValues.count == 64)
        #expect(half.staging.count == 64)
        let full = KVCache(layers: 2, capacity: 8, hidden: 4)
        #expect(full.precision == .f32 && full.keys.count == 64 && full.halfKeys.isEmpty && full.staging.isEmpty)
    }
}
