import CBLAS
import CKernels
import Foundation

/// A fixed set of worker threads that split loops (the quantized GEMV kernels split output rows)
/// with the calling thread. Workers spin for `spinMicroseconds` after each job, so back-to-back
/// layer calls start without a wake-up, then sleep on a condition variable.
///
/// Thread safety: every method may be called from any thread. Only one job runs on the workers at
/// a time; a caller that finds the pool busy runs its whole job on its own thread (no deadlock,
/// no waiting), so nested or concurrent use is safe though not parallel.
///
/// Oversubscription: OpenBLAS runs single-threaded (creating the shared pool sets it so) and
/// `MatrixMultiply` splits the larger products over this pool instead, so at most `threads` threads
/// compute at any moment and one pool owns them all. OpenBLAS's own threads waited for each other
/// with `sched_yield` loops: they competed with the pool's workers for the cores, and when another
/// process kept a core busy the caller yielded for whole time slices (a live run went from 0.7 to
/// 4.2 times real time with one core taken).
///
/// Stragglers: when a worker is preempted and the caller keeps waiting for its task, the pool runs
/// jobs on the caller alone for a while and then tries again (`contention` counts it; see pool.c).
public final class ThreadPool: @unchecked Sendable {
    let handle: OpaquePointer?
    /// Threads that compute a job: the workers plus the caller.
    public let threads: Int
    public let spinMicroseconds: Int

    /// - Parameters:
    ///   - threads: computing threads including the caller (≥ 1; 1 runs everything inline).
    ///   - spinMicroseconds: how long an idle worker spins before sleeping.
    ///   - backOff: run jobs on the caller alone for a while when preempted workers keep it
    ///     waiting (`PoolContention`); default: on unless `OMNIBARK_POOL_BACKOFF=0`.
    public init(threads: Int = ThreadPool.defaultThreadCount, spinMicroseconds: Int = 200,
                backOff: Bool = ThreadPool.defaultBackOff) {
        let count = max(1, threads)
        handle = ck_pool_create(Int32(count), Int32(spinMicroseconds), backOff ? 1 : 0)
        self.threads = handle == nil ? 1 : count
        self.spinMicroseconds = spinMicroseconds
    }

    deinit { ck_pool_destroy(handle) }

    /// `OMNIBARK_THREADS` when set to a positive integer, else every active processor.
    public static var defaultThreadCount: Int {
        if let text = ProcessInfo.processInfo.environment["OMNIBARK_THREADS"], let n = Int(text), n > 0 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// False when `OMNIBARK_POOL_BACKOFF` is `0` (to measure what the back-off does), else true.
    public static var defaultBackOff: Bool {
        ProcessInfo.processInfo.environment["OMNIBARK_POOL_BACKOFF"] != "0"
    }

    /// The pool the layers use by default, sized by `defaultThreadCount`. Creating it sets
    /// OpenBLAS to one thread: the pool splits its products (`MatrixMultiply`).
    public static let shared: ThreadPool = {
        let pool = ThreadPool()
        openblas_set_num_threads(1)
        return pool
    }()

    /// How the pool coped with workers preempted by other processes (see `PoolContention`).
    public var contention: PoolContention {
        var backoffs: UInt64 = 0, inlineJobs: UInt64 = 0, parallelJobs: UInt64 = 0
        ck_pool_contention(handle, &backoffs, &inlineJobs, &parallelJobs)
        return PoolContention(backoffs: Int(backoffs), inlineJobs: Int(inlineJobs), parallelJobs: Int(parallelJobs))
    }

    /// Runs `body(i)` for every `i` in `0 ..< count`, spread over the pool's threads and the caller;
    /// returns when all are done. `body` runs concurrently with itself: it must only write disjoint
    /// memory per index.
    public func parallelFor(count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        withoutActuallyEscaping(body) { body in
            var box = body
            withUnsafeMutablePointer(to: &box) { pointer in
                ck_pool_run(handle, { context, index in
                    guard let context else { return }  // never: `pointer` below
                    context.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(index))
                }, pointer, Int32(count))
            }
        }
    }
}
