import CKernels
import Foundation
import Testing
@testable import Tensors
import TestSupport

/// Largest |a − b| over the largest |b|: the error measure every tolerance below uses.
func errorRelativeToMax(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    let scale = b.map { abs($0) }.max() ?? 0
    return maxAbsDifference(a, b) / max(scale, 1e-30)
}

/// ‖a − b‖ / ‖b‖.
func rmsRatio(_ a: [Float], _ b: [Float]) -> Float {
    let num = zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    let den = b.reduce(Float(0)) { $0 + $1 * $1 }
    return (num / max(den, 1e-30)).squareRoot()
}

/// Quantized `Linear` against the f32 `Linear` on random matrices, for every format and every
/// kernel path this CPU runs.
///
/// Tolerances, with inputs and weights uniform in [-1, 1) (the worst case for group scaling):
/// - quantization error, max |y − y_f32| / max |y_f32|: bf16 ≤ 1e-2, int8 ≤ 2e-2, q4 ≤ 1.5e-1
///   (measured over these shapes: 2.6e-3, 6.8e-3, 1.3e-1 — the q4 worst case is a 7-output layer,
///   where max |y| is barely above typical; on 129+ outputs it is ≤ 7e-2);
/// - the same as an RMS ratio, ‖y − y_f32‖ / ‖y_f32‖: bf16 ≤ 5e-3, int8 ≤ 1e-2, q4 ≤ 1.2e-1;
/// - kernel error against f32 math on the dequantized weights: ≤ 1e-5 (≤ 1e-4 for the AVX-512
///   BF16 dot-product path, which splits x into two bf16 halves);
/// - paths of one format against each other: ≤ 1e-4;
/// - int8 also rounds the inputs to int8 per row (GEMV and GEMM alike, so that the products are
///   exact integer sums): ≤ 2e-2 against f32 math on the dequantized weights (measured ≤ 7.3e-3;
///   Int8GEMMTests has the GEMM's details); q4's GEMV rounds the inputs to int8 per group of 32
///   (Q4_0 × Q8_0), ≤ 2e-2 likewise.
@Suite struct QuantizedLinearTests {
    static let tolerance: [WeightFormat: Float] = [.bf16: 1e-2, .int8: 2e-2, .q4: 1.5e-1]
    static let rmsTolerance: [WeightFormat: Float] = [.bf16: 5e-3, .int8: 1e-2, .q4: 1.2e-1]
    static let formats: [WeightFormat] = [.bf16, .int8, .q4]
    /// (rows, out, in): odd sizes, partial q4 groups, GEMV (rows ≤ 2) and GEMM, pool-sized layers.
    static let shapes: [(Int, Int, Int)] = [(1, 7, 5), (1, 37, 53), (2, 61, 100), (1, 300, 257), (1, 129, 768),
                                            (3, 45, 33), (5, 130, 96), (17, 300, 257)]

    struct Case: CustomStringConvertible, Sendable {
        let format: WeightFormat, path: KernelPath
        var description: String { "\(format)/\(path)" }
    }
    static let cases: [Case] = formats.flatMap { f in KernelPath.supported.map { Case(format: f, path: $0) } }

    func data(_ m: Int, _ n: Int, _ k: Int, seed: UInt64) -> (x: [Float], w: Tensor, b: Tensor, y0: [Float]) {
        var random = SplitMix64(seed: seed)
        return (random.floats(m * k), Tensor(shape: [n, k], scalars: random.floats(n * k)),
                Tensor(shape: [n], scalars: random.floats(n)), random.floats(m * n))
    }

    /// Runs a quantized layer with GEMV on `path` for every row (so the path is exercised whatever m).
    func apply(_ q: QuantizedMatrix, _ x: [Float], rows m: Int, bias: Tensor?, into y: inout [Float],
               accumulate: Bool, path: KernelPath, pool: ThreadPool?) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if let bias {
                    bias.scalars.withUnsafeBufferPointer { bp in
                        for r in 0..<m {
                            q.gemv(xp.baseAddress! + r * q.columns, bias: bp.baseAddress, into: yp.baseAddress! + r * q.rows,
                                   accumulate: accumulate, path: path, pool: pool)
                        }
                    }
                } else {
                    for r in 0..<m {
                        q.gemv(xp.baseAddress! + r * q.columns, bias: nil, into: yp.baseAddress! + r * q.rows,
                               accumulate: accumulate, path: path, pool: pool)
                    }
                }
            }
        }
    }

    @Test(arguments: cases)
    func gemvPathMatchesF32(_ c: Case) {
        var worst: Float = 0, worstKernel: Float = 0, worstRMS: Float = 0
        for (index, (m, n, k)) in Self.shapes.enumerated() {
            for withBias in [false, true] {
                for accumulate in [false, true] {
                    let (x, w, b, y0) = data(m, n, k, seed: UInt64(index * 7 + 1))
                    let bias = withBias ? b : nil
                    let reference = Linear(weight: w, bias: bias)
                    let q = QuantizedMatrix(w, format: c.format)
                    let dequantized = Linear(weight: q.dequantized(), bias: bias)
                    var expected = y0, exact = y0, got = y0
                    reference.apply(x, rows: m, into: &expected, accumulate: accumulate)
                    dequantized.apply(x, rows: m, into: &exact, accumulate: accumulate)
                    apply(q, x, rows: m, bias: bias, into: &got, accumulate: accumulate, path: c.path, pool: .shared)
                    let error = errorRelativeToMax(got, expected), kernel = errorRelativeToMax(got, exact)
                    worst = max(worst, error)
                    let rms = rmsRatio(got, expected)
                    worstRMS = max(worstRMS, rms)
                    #expect(rms <= Self.rmsTolerance[c.format]!, "\(c) m \(m) n \(n) k \(k) rms")
                    worstKernel = max(worstKernel, kernel)
                    #expect(error <= Self.tolerance[c.format]!, "\(c) m \(m) n \(n) k \(k) bias \(withBias) acc \(accumulate)")
                    let kernelTolerance: Float = c.format == .int8 || c.format == .q4 ? 2e-2 : c.format == .bf16 && c.path == .avx512 ? 1e-4 : 1e-5
                    #expect(kernel <= kernelTolerance, "\(c) m \(m) n \(n) k \(k) bias \(withBias) acc \(accumulate)")
                }
            }
        }
        print("quantized \(c): max error vs f32 \(worst) (rms ratio \(worstRMS)), vs dequantized f32 \(worstKernel)")
    }

    @Test(arguments: formats)
    func linearLayerMatchesF32ForEveryRowCount(_ format: WeightFormat) {
        for (index, (m, n, k)) in Self.shapes.enumerated() {
            for withBias in [false, true] {
                for accumulate in [false, true] {
                    let (x, w, b, y0) = data(m, n, k, seed: UInt64(index * 13 + 5))
                    let bias = withBias ? b : nil
                    let reference = Linear(weight: w, bias: bias)
                    let layer = Linear(weight: w, bias: bias, format: format)
                    #expect(layer.format == format && layer.inFeatures == k && layer.outFeatures == n)
                    var expected = y0, got = y0
                    reference.apply(x, rows: m, into: &expected, accumulate: accumulate)
                    layer.apply(x, rows: m, into: &got, accumulate: accumulate)
                    #expect(errorRelativeToMax(got, expected) <= Self.tolerance[format]!, "\(format) m \(m) n \(n) k \(k)")
                    var exact = y0
                    Linear(weight: layer.weight, bias: bias).apply(x, rows: m, into: &exact, accumulate: accumulate)
                    // int8 and q4 GEMV also quantize the inputs (see the tolerances above).
                    let kernelTolerance: Float = format == .int8 || format == .q4 ? 2e-2 : 1e-4
                    #expect(errorRelativeToMax(got, exact) <= kernelTolerance, "\(format) m \(m) n \(n) k \(k) kernel")
                }
            }
        }
    }

    @Test(arguments: formats)
    func pathsAgreeWithEachOther(_ format: WeightFormat) {
        let (m, n, k) = (2, 301, 777)
        let (x, w, b, _) = data(m, n, k, seed: 99)
        let q = QuantizedMatrix(w, format: format)
        var results: [(KernelPath, [Float])] = []
        for path in KernelPath.supported {
            var y = [Float](repeating: 0, count: m * n)
            apply(q, x, rows: m, bias: b, into: &y, accumulate: false, path: path, pool: .shared)
            results.append((path, y))
        }
        for (path, y) in results.dropFirst() {
            let difference = errorRelativeToMax(y, results[0].1)
            print("quantized \(format): \(path) vs portable \(difference)")
            #expect(difference <= 1e-4, "\(format) \(path) vs portable")
        }
    }

    /// The int8 GEMV's sums are exact integers, so every path gives the same floats when it
    /// quantizes the activations to the same bytes: ties (x · 127 / max|x| = n + ½, rounded to
    /// even), a zero row and non-finite rows included, with a tail past the last 32 inputs.
    @Test func int8GEMVIsBitIdenticalOnEveryPath() {
        let k = 77, n = 40
        var random = SplitMix64(seed: 21)
        let w = QuantizedMatrix(Tensor(shape: [n, k], scalars: random.floats(n * k)), format: .int8)
        let ties: [Float] = (0..<k).map { Float($0 % 2 == 0 ? 1 : -1) * (Float($0 % 127) + 0.5) }
        func replacing(_ index: Int, with value: Float) -> [Float] {
            var x = ties
            x[index] = value
            return x
        }
        let inputs: [[Float]] = [ties, replacing(5, with: 127), random.floats(k, scale: 3), [Float](repeating: 0, count: k),
                                 replacing(40, with: Float.nan), replacing(70, with: -Float.infinity)]
        for x in inputs {
            var outputs: [[Float]] = []
            for path in KernelPath.supported {
                var y = [Float](repeating: 0, count: n)
                apply(w, x, rows: 1, bias: nil, into: &y, accumulate: false, path: path, pool: nil)
                outputs.append(y)
            }
            for (path, y) in zip(KernelPath.supported, outputs) {
                let same = zip(y, outputs[0]).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                #expect(same, "\(path) vs portable for input \(x.prefix(6))…")
            }
        }
    }

    /// q4's multi-row product (prefill, the fine stage) runs the int8 GEMM on an int8
    /// requantization of its values, stored beside the nibbles and rebuilt identically from the
    /// weight cache's storage: within the int8 GEMM's own error of the dequantized f32 product.
    @Test func q4GEMMRunsOnAnInt8Requantization() throws {
        let (m, n, k) = (9, 70, 200)
        let (x, w, b, _) = data(m, n, k, seed: 31)
        let q = QuantizedMatrix(w, format: .q4)
        #expect(q.gemmPackedByteCount == Int(ck_gemm_int8_packed_bytes(Int32(n), Int32(k))) + n * 4)
        let bias = b
        var expected = [Float](repeating: 0, count: m * n), got = expected
        Linear(weight: q.dequantized(), bias: bias).apply(x, rows: m, into: &expected)
        Linear(weight: w, bias: bias, format: .q4).apply(x, rows: m, into: &got)
        let error = errorRelativeToMax(got, expected)
        print("q4 GEMM (int8 requantization) vs dequantized f32: \(error)")
        #expect(error <= 1e-2)
        let copy = try q.withStorage { try QuantizedMatrix(format: .q4, rows: n, columns: k, payload: $0, scales: $1) }
        var fromCopy = [Float](repeating: 0, count: m * n)
        copy.multiplyTransposed(x, rows: m, into: &fromCopy, bias: bias.scalars)
        var original = [Float](repeating: 0, count: m * n)
        q.multiplyTransposed(x, rows: m, into: &original, bias: bias.scalars)
        #expect(fromCopy == original)
    }

    @Test func serialAndPooledGEMVAreIdentical() {
        let (x, w, b, _) = data(1, 1000, 768, seed: 3)
        for format in Self.formats {
            let q = QuantizedMatrix(w, format: format)
            var serial = [Float](repeating: 0, count: 1000), pooled = serial
            apply(q, x, rows: 1, bias: b, into: &serial, accumulate: false, path: .active, pool: nil)
            apply(q, x, rows: 1, bias: b, into: &pooled, accumulate: false, path: .active, pool: ThreadPool(threads: 3))
            #expect(serial == pooled, "\(format)")
        }
    }

    @Test func quantizationRoundTrips() {
        // Values exactly representable in each format come back unchanged.
        let w = Tensor(shape: [2, 40], scalars: (0..<80).map { Float($0 % 40 % 16 - 8) * 0.25 })
        #expect(QuantizedMatrix(w, format: .bf16).dequantized().scalars == w.scalars)
        #expect(QuantizedMatrix(w, format: .q4).dequantized().scalars == w.scalars)
        let i8 = Tensor(shape: [1, 3], scalars: [127, -64, 1])
        #expect(QuantizedMatrix(i8, format: .int8).dequantized().scalars == i8.scalars)
        let zeros = Tensor(zeros: [3, 33])
        for format in Self.formats { #expect(QuantizedMatrix(zeros, format: format).dequantized().scalars == zeros.scalars) }
        #expect(QuantizedMatrix(Tensor(zeros: [10, 64]), format: .q4).byteCount == 10 * 32 + 10 * 2 * 4)
    }

    @Test func cpuFeaturesAndPaths() {
        #expect(KernelPath.portable.isSupported)
        #expect(KernelPath.supported.contains(KernelPath.active))
        print("CPU features: \(CPUFeatures.current); kernel paths: \(KernelPath.supported.map(\.rawValue)); active \(KernelPath.active)")
    }
}
