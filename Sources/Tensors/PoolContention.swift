/// Counters of `ThreadPool`'s straggler back-off, since the pool was created.
///
/// A worker that the kernel preempts holds its task until it runs again, while the caller waits.
/// When waiting takes a quarter or more of the pool's job time over a few milliseconds, the pool
/// runs every job on the caller's thread alone for 10 ms (doubling while it keeps happening, up to
/// 160 ms), then shares jobs with the workers again. `OMNIBARK_POOL_BACKOFF=0` in the environment
/// turns the back-off off (`ThreadPool.defaultBackOff`, read when a pool is created).
public struct PoolContention: Sendable, Equatable {
    /// Times the pool fell back to the caller's thread.
    public var backoffs: Int
    /// Jobs run on the caller alone because of a back-off.
    public var inlineJobs: Int
    /// Jobs shared with the workers.
    public var parallelJobs: Int

    public init(backoffs: Int, inlineJobs: Int, parallelJobs: Int) {
        self.backoffs = backoffs
        self.inlineJobs = inlineJobs
        self.parallelJobs = parallelJobs
    }

    /// Share of jobs that ran on the caller alone because of a back-off (0 when none ran).
    public var inlineShare: Double {
        let total = inlineJobs + parallelJobs
        return total == 0 ? 0 : Double(inlineJobs) / Double(total)
    }
}
