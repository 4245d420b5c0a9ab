import Foundation

/// The number of threads that compute: the shared `ThreadPool`, which runs the quantized kernels
/// and splits OpenBLAS's products (OpenBLAS itself stays single-threaded). The one place a command
/// sets it, so `--threads N` means N computing threads whichever kernel runs.
public enum ComputeThreads {
    /// Sizes the shared pool to `count` (≥ 1) threads. Call once, before any math runs: the pool is
    /// sized when it is first used (through `OMNIBARK_THREADS`) and keeps its size for the process.
    public static func configure(_ count: Int) {
        let count = max(1, count)
        setenv("OMNIBARK_THREADS", String(count), 1)
    }
}
