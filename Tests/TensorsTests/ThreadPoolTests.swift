import Foundation
import Synchronization
import Testing
@testable import Tensors

@Suite struct ThreadPoolTests {
    @Test(arguments: [1, 2, 3, 5])
    func everyIndexRunsExactlyOnce(threads: Int) {
        let pool = ThreadPool(threads: threads)
        #expect(pool.threads == threads)
        for count in [0, 1, 2, 7, 64, 1000] {
            var hits = [Int](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { h in
                pool.parallelFor(count: count) { h[$0] += 1 }
            }
            #expect(hits.allSatisfy { $0 == 1 }, "threads \(threads) count \(count)")
        }
    }

    @Test func manyBackToBackJobsWithSleepingWorkers() {
        // spin 0: workers sleep after every job, exercising the wake-up path.
        for spin in [0, 50] {
            let pool = ThreadPool(threads: 3, spinMicroseconds: spin)
            let total = Atomic<Int>(0)
            for job in 0..<2000 {
                pool.parallelFor(count: job % 5 + 1) { _ in total.add(1, ordering: .relaxed) }
            }
            let expected = (0..<2000).reduce(0) { $0 + $1 % 5 + 1 }
            #expect(total.load(ordering: .relaxed) == expected, "spin \(spin)")
        }
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    @Test func concurrentCallersAndNestingComplete() async {
        let pool = ThreadPool(threads: 2)
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<200 {
                        pool.parallelFor(count: 4) { _ in
                            pool.parallelFor(count: 2) { _ in counter.value.add(1, ordering: .relaxed) }
                        }
                    }
                }
            }
        }
        #expect(counter.value.load(ordering: .relaxed) == 4 * 200 * 4 * 2)
    }
}

/// The straggler back-off: a worker whose task stalls (as a preempted one does) makes the caller
/// run jobs alone for a while; once the stalls stop, the workers share jobs again.
@Suite struct ThreadPoolBackOffTests {
    @Test func stalledWorkersAreLeftAloneThenUsedAgain() throws {
        let pool = ThreadPool(threads: 2)
        let stall = Atomic<Bool>(true)
        let caller = pthread_self()
        let onWorker = Atomic<Int>(0)
        // Each job: 8 tasks of about 20 µs; a task that lands on the worker sleeps 3 ms instead
        // while `stall` is on, as if its core had been taken.
        func job() {
            pool.parallelFor(count: 8) { _ in
                if pthread_equal(pthread_self(), caller) == 0 {
                    onWorker.add(1, ordering: .relaxed)
                    if stall.load(ordering: .relaxed) { usleep(3_000); return }
                }
                var x: Float = 1
                for i in 0..<20_000 { x = x * 0.999 + Float(i & 7) }
                precondition(x.isFinite)
            }
        }
        for _ in 0..<300 { job() }
        let stalled = pool.contention
        #expect(onWorker.load(ordering: .relaxed) > 0, "the worker never took a task")
        #expect(stalled.backoffs >= 1, "\(stalled)")
        #expect(stalled.inlineJobs > 0 && stalled.inlineJobs + stalled.parallelJobs == 300, "\(stalled)")

        // Stalls over: after the longest back-off (160 ms) the worker takes tasks again.
        stall.store(false, ordering: .relaxed)
        usleep(200_000)
        let before = onWorker.load(ordering: .relaxed)
        var jobs = 0
        while onWorker.load(ordering: .relaxed) == before && jobs < 10_000 {
            job()
            jobs += 1
        }
        #expect(onWorker.load(ordering: .relaxed) > before, "the worker never ran a task again (\(jobs) jobs, \(pool.contention))")
    }
}

/// More workers than cores, so they are preempted everywhere, including between taking a task
/// index and reading the job it belongs to: every task of every job still runs exactly once and
/// before `parallelFor` returns. (A worker that took an index past the end of a short job, was
/// preempted, and resumed after the next-but-one job had reused the descriptor, ran that job's
/// task a second time and let the caller return early: a crash seen once in about forty live runs
/// with a core kept busy.)
@Suite struct ThreadPoolPreemptionTests {
    @Test func tasksRunOncePerJobUnderPreemption() {
        let pool = ThreadPool(threads: 6, spinMicroseconds: 50, backOff: false)
        // Short and long jobs alternate in pairs, so an index past the end of a short job is a
        // valid index of the long job two later (the one that reuses its descriptor).
        let counts = [2, 2, 12, 12]
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 12)
        defer { hits.deallocate() }
        var wrong = 0
        for job in 0..<300_000 {
            let count = counts[job % counts.count]
            _ = hits.initialize(repeating: 0)
            pool.parallelFor(count: count) { index in hits[index] += 1 }
            for index in 0..<12 where hits[index] != (index < count ? 1 : 0) { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) tasks ran twice, not at all, or after the job returned")
    }
}
