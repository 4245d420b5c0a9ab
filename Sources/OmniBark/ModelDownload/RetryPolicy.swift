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

    /// Runs `body` until it succeeds, throws a non-transient error, or attempts run out.
    /// `onRetry` hears of each failure that will be retried.
    func run<T: Sendable>(
        onRetry: (ModelDownloadError, Int, Duration) -> Void = { _, _, _ in },
        _ body: () async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as ModelDownloadError where error.isTransient && attempt < maxAttempts {
                let wait = delay(afterAttempt: attempt)
                onRetry(error, attempt, wait)
                try await Task.sleep(for: wait)
                attempt += 1
            }
        }
    }
}
