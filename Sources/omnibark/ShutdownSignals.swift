import Dispatch
import Foundation

/// SIGINT and SIGTERM for a server: the first asks for a graceful stop (`waitForFirst` returns),
/// the second exits at once with status 130, whatever the stop is doing.
///
/// Thread safety: the count is guarded by a lock; the handlers run on a global dispatch queue.
final class ShutdownSignals: @unchecked Sendable {
    private let first = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var received = 0
    private var sources: [DispatchSourceSignal] = []

    /// Takes over SIGINT and SIGTERM (their default action is ignored from now on).
    init(onSecond: @escaping @Sendable () -> Void = {}) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                let count = lock.withLock { received += 1; return received }
                if count == 1 {
                    first.signal()
                } else {
                    onSecond()
                    _exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Blocks until the first signal.
    func waitForFirst() { first.wait() }

    deinit { sources.forEach { $0.cancel() } }
}
