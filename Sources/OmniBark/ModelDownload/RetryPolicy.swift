import Foundation

/// How often and how patiently transient failures (5xx, 408, 429, cut connections) are retried.
/// Client errors such as 401 and 404 are never retried.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Delay before the second attempt; each later delay doubles, up to `maximumDelay`.
    public var initialDelay: Duration
    public var maximumDelay: Duration

    public init(maxAttempts: Int = 5, initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(16)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) where delay < maximumDelay { delay *= 2 }
        return min(delay, maximumDelay)
    }

    /// The sum of the waits between attempts when every attempt fails.
    public var totalDelay: Duration {
        (1..<maxAttempts).reduce(Duration.zero) { $0 + delay(afterAttempt: $1) }
    }

    /// The longest a request that never gets data keeps trying before giving up:
    /// `maxAttempts × (connect + read)` plus the waits between attempts.
    public func worstCase(_ timeouts: NetworkTimeouts) -> Duration {
        .seconds(Double(maxAttempts) * timeouts.perAttempt) + totalDelay
    }

    /// Runs `body` until it succeeds, throws a non-transient error, or attempts run out; then
    /// throws `ModelDownloadError.gaveUp` naming `url`, the attempts, the time spent and the last
    /// reason. `onRetry` hears of each failure that will be retried: the error, the number of the
    /// attempt that failed (1-based) and the wait before the next one.
    func run<T: Sendable>(
        url: URL,
        onRetry: (ModelDownloadError, Int, Duration) -> Void = { _, _, _ in },
        _ body: () async throws -> T
    ) async throws -> T {
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as ModelDownloadError where error.isTransient {
                guard attempt < maxAttempts else {
                    throw ModelDownloadError.gaveUp(url: url, attempts: attempt, elapsed: ContinuousClock.now - started, reason: error.reason)
                }
                let wait = delay(afterAttempt: attempt)
                onRetry(error, attempt, wait)
                try await Task.sleep(for: wait)
                attempt += 1
            }
        }
    }
}
