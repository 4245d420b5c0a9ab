import Foundation
import Streaming
import Testing

@Suite("GenerationThreadPriority")
struct GenerationThreadPriorityTests {
    /// Runs `body` on a fresh thread (so the test runner's own threads keep their scheduling).
    private func onFreshThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T?
        let thread = Thread {
            result = body()
            done.signal()
        }
        thread.start()
        guard done.wait(timeout: .now() + 10) == .success else { return nil }
        return result
    }

    @Test("returns a one-line report of what the thread got, consistent with its fields")
    func report() throws {
        let report = try #require(onFreshThread { GenerationThreadPriority.applyToCurrentThread(belowJackPriority: 10) })
        #expect(!report.description.isEmpty)
        #expect(!report.description.contains("\n"))
        if report.isRealtime {
            #expect(["SCHED_FIFO", "SCHED_RR"].contains(report.policy))
            #expect(report.realtimePriority == 5)
            #expect(report.description.hasPrefix("\(report.policy) priority 5"))
        } else {
            #expect(report.policy == "SCHED_OTHER")
            #expect(report.description.hasPrefix("normal scheduling: "))
            #expect(report.nice != nil)
        }
    }

    @Test("a JACK priority of 3 caps the realtime priority at 2; nonsense values are reported, never crash")
    func limits() throws {
        let capped = try #require(onFreshThread { GenerationThreadPriority.applyToCurrentThread(realtimePriority: 50, belowJackPriority: 3) })
        if capped.isRealtime { #expect(capped.realtimePriority == 2) }
        let outOfRange = try #require(onFreshThread { GenerationThreadPriority.applyToCurrentThread(realtimePriority: 500, nice: 99) })
        #expect(!outOfRange.isRealtime)
        #expect(outOfRange.description.contains("realtime priority 500 outside"))
        #expect(outOfRange.description.contains("nice 99 outside -20...19"))
    }
}
