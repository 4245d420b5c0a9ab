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
