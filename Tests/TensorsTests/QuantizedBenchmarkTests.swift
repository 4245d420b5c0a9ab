import CKernels
import Foundation
import Testing
@testable import Tensors
import TestSupport

/// Kernel speeds on bark-small shapes with random weights, printed, never asserted. Runs only with
/// `OMNIBARK_BENCH=1`; meaningful only in a release build:
///
///     swift build -c release --build-tests -Xswiftc -enable-testing
///     OMNIBARK_BENCH=1 swift test -c release --skip-build --disable-xctest --filter QuantizedBenchmark
///
/// GEMV "cold" rotates over enough copies of the matrix (≥ 128 MiB in all) that weights come from
/// DRAM as in a 12-layer decode step; "hot" repeats one matrix (L2/L3 resident).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["OMNIBARK_BENCH"] == "1"))
struct QuantizedBenchmark {
    static let gemvShapes: [(String, Int, Int)] = [("mlp.in 3072x768", 3072, 768), ("mlp.out 768x3072", 768, 3072),
                                                  ("semantic lm_head 10048x768", 10048, 768)]

    func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Best of `rounds` averages of `repeats` calls.
    func time(rounds: Int = 5, repeats: Int, _ body: (Int) -> Void) -> Double {
        body(0)
        var best = Double.infinity
        for _ in 0..<rounds {
            let t = seconds { for i in 0..<repeats { body(i) } }
            best = min(best, t / Double(repeats))
        }
        return best
    }

    @Test func dispatchOverhead() {
        let pool = ThreadPool.shared
        for count in [pool.threads, 8, 64] {
            let t = time(repeats: 20000) { _ in pool.parallelFor(count: count) { _ in } }
            print(String(format: "bench dispatch: parallelFor(count: %d) on %d threads: %.2f µs", count, pool.threads, t * 1e6))
        }
        // The C-level job dispatch, without the Swift closure trampoline.
        let t = time(repeats: 20000) { _ in ck_pool_run(pool.handle, { _, _ in }, nil, Int32(pool.threads)) }
        print(String(format: "bench dispatch: ck_pool_run(count: %d): %.2f µs", pool.threads, t * 1e6))
        let sleepy = ThreadPool(threads: pool.threads, spinMicroseconds: 0)
        let ts = time(repeats: 2000) { _ in sleepy.parallelFor(count: sleepy.threads) { _ in } }
        print(String(format: "bench dispatch: workers asleep (spin 0): %.2f µs", ts * 1e6))
    }

    @Test func gemv() {
        print("bench: threads \(ThreadPool.shared.threads), CPU \(CPUFeatures.current), paths \(KernelPath.supported.map(\.rawValue))")
        var random = SplitMix64(seed: 1)
        for (name, n, k) in Self.gemvShapes {
            let weight = Tensor(shape: [n, k], scalars: random.floats(n * k, scale: 0.05))
            let x = random.floats(k)
            var y = [Float](repeating: 0, count: n)
            for format in WeightFormat.allCases {
                let bytes = LinearWeights(weight, format: format).byteCount
                let copies = max(1, min(16, (128 << 20) / bytes + 1))
                let layers = (0..<copies).map { _ in Linear(weight: weight, format: format) }
                let paths: [KernelPath?] = format == .f32 ? [nil] : KernelPath.supported.reversed()
                for path in paths {
                    func run(_ layer: Linear) {
                        if let path, case .quantized(let q) = layer.weights {
                            x.withUnsafeBufferPointer { xp in
                                y.withUnsafeMutableBufferPointer { q.gemv(xp.baseAddress!, bias: nil, into: $0.baseAddress!, accumulate: false, path: path) }
                            }
                        } else {
                            layer.apply(x, rows: 1, into: &y)
                        }
                    }
                    let cold = time(repeats: 4 * copies) { run(layers[$0 % copies]) }
                    let hot = time(repeats: 50) { _ in run(layers[0]) }
                    print(String(format: "bench gemv %@ %@%@: cold %.1f µs (%.1f GB/s), hot %.1f µs (%.1f GB/s), %.2f MB",
                                 name, format.rawValue, path.map { "/" + $0.rawValue } ?? "/openblas",
                                 cold * 1e6, Double(bytes) / cold / 1e9, hot * 1e6, Double(bytes) / hot / 1e9, Double(bytes) / 1e6))
                }
            }
        }
    }

    @Test func gemm() {
        var random = SplitMix64(seed: 2)
        for (name, n, k) in Self.gemvShapes {
            let weight = Tensor(shape: [n, k], scalars: random.floats(n * k, scale: 0.05))
            for m in [256, 1024] {
                let x = random.floats(m * k)
                var y = [Float](repeating: 0, count: m * n)
                for format in WeightFormat.allCases {
                    let layer = Linear(weight: weight, format: format)
                    let t = time(rounds: 3, repeats: 3) { _ in layer.apply(x, rows: m, into: &y) }
                    print(String(format: "bench gemm %@ rows %d %@: %.2f ms, %.1f GFLOP/s", name, m, format.rawValue,
                                 t * 1e3, 2 * Double(m * n * k) / t / 1e9))
                }
            }
        }
    }

    /// The int8 GEMM (per-row int8 inputs, exact int32 sums) against OpenBLAS `sgemm` on the
    /// dequantized weights, bark-small prefill shapes. Each side runs its repeats back to back with
    /// a pause between (OpenBLAS workers spin after a call and would slow the other side).
    @Test func int8GEMMVersusSgemm() {
        var random = SplitMix64(seed: 3)
        for (m, n, k) in [(887, 2304, 768), (1024, 3072, 768), (1024, 768, 3072)] {
            let q = QuantizedMatrix(Tensor(shape: [n, k], scalars: random.floats(n * k, scale: 0.05)), format: .int8)
            let w = q.dequantized().scalars, x = random.floats(m * k)
            var y = [Float](repeating: 0, count: m * n)
            let flop = 2 * Double(m * n * k)
            let path = KernelPath.best
            let t = time(rounds: 5, repeats: 3) { _ in
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer {
                        q.int8GEMM(xp.baseAddress!, m: m, bias: nil, into: $0.baseAddress!, accumulate: false, path: path)
                    }
                }
            }
            print(String(format: "bench int8 gemm m %d n %d k %d %@: %.2f ms, %.1f GFLOP/s (%d pool threads)", m, n, k,
                         path.rawValue, t * 1e3, flop / t / 1e9, ThreadPool.shared.threads))
            usleep(300_000)
            let ts = time(rounds: 5, repeats: 3) { _ in MatrixMultiply.multiplyTransposed(x, w, into: &y, m: m, n: n, k: k) }
            print(String(format: "bench sgemm     m %d n %d k %d openblas: %.2f ms, %.1f GFLOP/s (%d BLAS threads)", m, n, k,
                         ts * 1e3, flop / ts / 1e9, BLASThreads.count))
            usleep(300_000)
        }
    }
}
