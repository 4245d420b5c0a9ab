import CBLAS

/// The number of threads OpenBLAS uses for matrix products (process-wide).
public enum BLASThreads {
    /// Current OpenBLAS thread count.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets the OpenBLAS thread count (≥ 1). Call before heavy work, not from the audio thread.
    public static func set(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }
}
