import Testing
@testable import Tensors
import TestSupport

/// `Linear.apply(_:outputs:into:)`: one input row, only the output features of a range (the
/// coarse stage computes one codebook's logits per step this way).
@Suite struct LinearOutputRangeTests {
    /// (outputs, inputs, range): a range inside, at either end, a single row, the whole layer, an
    /// odd start (q4 row strides and int8 scales are offset per row), a range crossing pool blocks.
    static let cases: [(Int, Int, Range<Int>)] = [(300, 257, 100..<180), (300, 257, 0..<37), (300, 257, 263..<300),
                                                  (61, 100, 17..<18), (61, 100, 0..<61), (1200, 768, 211..<1187)]

    func layer(_ n: Int, _ k: Int, format: WeightFormat, bias: Bool, seed: UInt64) -> (Linear, [Float]) {
        var random = SplitMix64(seed: seed)
        let weight = Tensor(shape: [n, k], scalars: random.floats(n * k))
        let b = bias ? Tensor(shape: [n], scalars: random.floats(n)) : nil
        return (Linear(weight: weight, bias: b, format: format), random.floats(k))
    }

    /// Quantized formats: the range's outputs are bit for bit the full product's, on every kernel
    /// path this CPU runs (the input is quantized once per call, the same whatever the rows), and
    /// the outputs outside the range are left as they were.
    @Test(arguments: [WeightFormat.bf16, .int8, .q4], [false, true])
    func quantizedRangeEqualsTheFullProductsRows(format: WeightFormat, bias: Bool) {
        for (index, (n, k, range)) in Self.cases.enumerated() {
            let (linear, x) = layer(n, k, format: format, bias: bias, seed: UInt64(40 + index))
            var full = [Float](repeating: 0, count: n)
            linear.apply(x, rows: 1, into: &full)
            var part = [Float](repeating: 7, count: n)
            linear.apply(x, outputs: range, into: &part)
            #expect(Array(part[range]) == Array(full[range]), "\(format) bias \(bias) \(n)×\(k) \(range)")
            #expect(part.indices.filter { !range.contains($0) }.allSatisfy { part[$0] == 7 }, "\(format) \(range): outside touched")
        }
    }

    /// f32 weights: OpenBLAS's GEMV on the sub-matrix, to its rounding (≤ 1e-6 of the largest
    /// output), bias included.
    @Test(arguments: [false, true])
    func f32RangeAgreesWithTheFullProduct(bias: Bool) {
        for (index, (n, k, range)) in Self.cases.enumerated() {
            let (linear, x) = layer(n, k, format: .f32, bias: bias, seed: UInt64(60 + index))
            var full = [Float](repeating: 0, count: n)
            linear.apply(x, rows: 1, into: &full)
            var part = [Float](repeating: 7, count: n)
            linear.apply(x, outputs: range, into: &part)
            let scale = full.map { abs($0) }.max() ?? 1
            #expect(maxAbsDifference(Array(part[range]), Array(full[range])) <= 1e-6 * scale, "bias \(bias) \(n)×\(k) \(range)")
            #expect(part.indices.filter { !range.contains($0) }.allSatisfy { part[$0] == 7 })
        }
    }

    /// An empty range writes nothing.
    @Test func emptyRangeWritesNothing() {
        let (linear, x) = layer(40, 64, format: .int8, bias: true, seed: 3)
        var out = [Float](repeating: 5, count: 40)
        linear.apply(x, outputs: 12..<12, into: &out)
        #expect(out.allSatisfy { $0 == 5 })
    }
}
