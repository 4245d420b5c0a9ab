import CBLAS

/// The number of threads OpenBLAS uses inside one call (process-wide). `ThreadPool.shared` sets it
/// to 1 when it is created: `MatrixMultiply` splits products over the pool instead.
public enum BLASThreads {
    /// Current OpenBLAS thread count.
    public static var count: Int { Int(openblas_get_num_threads()) }
}
