import CBLAS
import Foundation

/// The number of threads that compute: the shared `ThreadPool` (quantized kernels, attention) and
/// OpenBLAS (f32 matrix products) together. The one place a command sets it, so `--threads N`
/// means N computing threads whichever kernel runs.
public enum ComputeThreads {
    /// Sets both to `count` (≥ 1). Call once, before any math runs: the shared pool is sized when
    /// it is first used (through `OMNIBARK_THREADS`) and keeps its size for the process.
    public static func configure(_ count: Int) {
        let count = max(1, count)
        setenv("OMNIBARK_THREADS", String(count), 1)
        BLASThreads.set(count)
    }
}
