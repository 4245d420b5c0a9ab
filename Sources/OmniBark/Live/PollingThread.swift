import Foundation

/// A named thread that calls `body` every `interval` seconds until `stop` (then once more, so
/// nothing that arrived meanwhile is left behind). The MIDI bridge and the live reference window
/// drain their realtime queues with it.
///
/// Thread safety: `start` and `stop` may be called from any thread, any number of times; `body`
/// runs on the polling thread only.
final class PollingThread: @unchecked Sendable {
    let name: String
    let interval: TimeInterval
    let qualityOfService: QualityOfService
    private let body: @Sendable () -> Void
    private let lock = NSLock()
    private var running = false
    private let stopped = DispatchSemaphore(value: 0)

    init(name: String, interval: TimeInterval, qualityOfService: QualityOfService, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.interval = interval
        self.qualityOfService = qualityOfService
        self.body = body
    }

    func start() {
        let begin: Bool = lock.withLock {
            guard !running else { return false }
            running = true
            return true
        }
        guard begin else { return }
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.qualityOfService = qualityOfService
        thread.start()
    }

    /// Stops the thread after one last pass and waits for it (idempotent).
    func stop() {
        let wasRunning: Bool = lock.withLock {
            let was = running
            running = false
            return was
        }
        if wasRunning { stopped.wait() }
    }

    private func loop() {
        defer { stopped.signal() }
        while lock.withLock({ running }) {
            body()
            Thread.sleep(forTimeInterval: interval)
        }
        body()
    }
}
