import Foundation
import Streaming
import Testing
import TestSupport

/// The value at position `index` of a test stream: its bit pattern is the index, so every sample
/// is distinct (up to 2^32) and loss, duplication or reordering shows up exactly.
@inline(__always)
func ringTestSample(_ index: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: index)) }

private let stress = ProcessInfo.processInfo.environment["OMNIBARK_STRESS"] == "1"

@Suite("SPSCRingBuffer")
struct RingBufferTests {
    @Test("capacity rounds up to a power of two")
    func capacityRounding() {
        let cases = [(1, 1), (2, 2), (3, 4), (4, 4), (5, 8), (1000, 1024), (1024, 1024), (1025, 2048)]
        for (requested, expected) in cases {
            let ring = SPSCRingBuffer(minimumCapacity: requested)
            #expect(ring.capacity == expected, "minimumCapacity \(requested)")
            #expect(ring.availableToWrite == expected)
            #expect(ring.availableToRead == 0)
        }
    }

    @Test("capacity 1: one sample at a time")
    func capacityOne() {
        let ring = SPSCRingBuffer(capacity: 1)
        var out: Float = -1
        #expect(ring.read(into: &out, count: 1) == 0)
        #expect(ring.write([1, 2, 3]) == 1)
        #expect(ring.write([4]) == 0)
        #expect(ring.availableToRead == 1)
        #expect(ring.read(into: &out, count: 5) == 1)
        #expect(out == 1)
        #expect(ring.write([5, 6]) == 1)
        #expect(ring.read(maxCount: 10) == [5])
    }

    @Test("full, empty, oversized and zero-length operations")
    func edges() {
        let ring = SPSCRingBuffer(capacity: 8)
        #expect(ring.write([Float]()) == 0)
        #expect(ring.read(maxCount: 0) == [])
        #expect(ring.read(maxCount: 4) == [])
        let data = (0..<20).map(Float.init)
        #expect(ring.write(data) == 8)  // writes the prefix that fits
        #expect(ring.availableToWrite == 0)
        #expect(ring.write(data) == 0)
        var scratch = [Float](repeating: 0, count: 3)
        #expect(scratch.withUnsafeMutableBufferPointer { ring.read(into: $0.baseAddress!, count: 0) } == 0)
        #expect(ring.read(maxCount: 3) == [0, 1, 2])
        // Wrap around the end of storage: 3 free slots at the front.
        #expect(ring.write(data[8...]) == 3)
        #expect(ring.availableToRead == 8)
        #expect(ring.read(maxCount: 100) == (3..<11).map(Float.init))
        #expect(ring.availableToRead == 0)
        #expect(ring.availableToWrite == 8)
    }

    @Test("the realtime reader sees the same stream and shares the read index")
    func realtimeReader() {
        let ring = SPSCRingBuffer(capacity: 16)
        let reader = ring.makeUnsafeRealtimeReader()
        #expect(reader.capacity == 16)
        #expect(ring.write((0..<10).map(Float.init)) == 10)
        #expect(reader.availableToRead == 10)
        var out = [Float](repeating: -1, count: 6)
        let n = out.withUnsafeMutableBufferPointer { reader.read(into: $0.baseAddress!, count: 6) }
        #expect(n == 6)
        #expect(out == (0..<6).map(Float.init))
        #expect(ring.availableToRead == 4)
        #expect(ring.availableToWrite == 12)
    }

    @Test("random interleavings on one thread match a simple queue model", arguments: [1, 2, 7, 42, 1234])
    func randomInterleavings(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let rounds = stress ? 2_000 : 200
        for _ in 0..<rounds {
            let capacity = 1 << Int.random(in: 0...6, using: &random)
            let ring = SPSCRingBuffer(capacity: capacity)
            let reader = ring.makeUnsafeRealtimeReader()
            var model: [Float] = []
            var modelHead = 0
            var nextValue = 0
            var scratch = [Float](repeating: 0, count: 2 * capacity + 3)
            for _ in 0..<(stress ? 400 : 100) {
                let queued = model.count - modelHead
                #expect(ring.availableToRead == queued)
                #expect(ring.availableToWrite == capacity - queued)
                if Bool.random(using: &random) {
                    let want = Int.random(in: 0...(2 * capacity + 1), using: &random)
                    let chunk = (0..<want).map { ringTestSample(nextValue + $0) }
                    let wrote = ring.write(chunk)
                    #expect(wrote == min(want, capacity - queued))
                    model.append(contentsOf: chunk[0..<wrote])
                    nextValue += wrote
                } else {
                    let want = Int.random(in: 0...(2 * capacity + 1), using: &random)
                    let useReader = Bool.random(using: &random)
                    let got = scratch.withUnsafeMutableBufferPointer { buffer in
                        useReader ? reader.read(into: buffer.baseAddress!, count: want)
                                  : ring.read(into: buffer.baseAddress!, count: want)
                    }
                    #expect(got == min(want, queued))
                    let expected = model[modelHead..<(modelHead + got)]
                    #expect(scratch[0..<got].map(\.bitPattern) == expected.map(\.bitPattern))
                    modelHead += got
                }
            }
        }
    }

    /// A producer thread writes a known sequence in random chunk sizes; the consumer (the realtime
    /// reader, on another thread) reads random chunk sizes. The consumer must see exactly the sequence.
    private func concurrentRun(total: Int, capacity: Int, maxChunk: Int, seed: UInt64) -> (mismatches: Int, firstMismatch: Int?, received: Int) {
        let ring = SPSCRingBuffer(capacity: capacity)
        let reader = ring.makeUnsafeRealtimeReader()
        let producerDone = DispatchSemaphore(value: 0)
        let producer = Thread {
            var random = SplitMix64(seed: seed)
            let chunkBuffer = UnsafeMutablePointer<Float>.allocate(capacity: maxChunk)
            defer { chunkBuffer.deallocate() }
            var next = 0
            while next < total {
                let size = min(Int.random(in: 1...maxChunk, using: &random), total - next)
                for i in 0..<size { chunkBuffer[i] = ringTestSample(next + i) }
                var offset = 0
                while offset < size {
                    let wrote = ring.write(UnsafeBufferPointer(start: chunkBuffer + offset, count: size - offset))
                    offset += wrote
                    if wrote == 0 { sched_yield() }
                }
                next += size
            }
            producerDone.signal()
        }
        producer.start()

        var random = SplitMix64(seed: seed ^ 0xDEAD_BEEF)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: maxChunk)
        defer { scratch.deallocate() }
        var received = 0
        var mismatches = 0
        var firstMismatch: Int?
        while received < total {
            let want = Int.random(in: 1...maxChunk, using: &random)
            let got = reader.read(into: scratch, count: want)
            if got == 0 { sched_yield(); continue }
            for i in 0..<got where scratch[i].bitPattern != UInt32(truncatingIfNeeded: received + i) {
                mismatches += 1
                if firstMismatch == nil { firstMismatch = received + i }
            }
            received += got
        }
        producerDone.wait()
        #expect(ring.availableToRead == 0, "producer wrote more than the sequence")
        return (mismatches, firstMismatch, received)
    }

    @Test("two threads: the consumer sees exactly the producer's sequence", arguments: [
        (4, 3), (64, 50), (1024, 700), (4096, 5000),
    ])
    func twoThreads(capacity: Int, maxChunk: Int) {
        let total = stress ? 5_000_000 : 200_000
        let result = concurrentRun(total: total, capacity: capacity, maxChunk: maxChunk, seed: UInt64(capacity * 31 + maxChunk))
        #expect(result.received == total)
        #expect(result.mismatches == 0, "first mismatch at sample \(String(describing: result.firstMismatch))")
    }

    @Test("stress: many millions of samples across threads (OMNIBARK_STRESS=1; short otherwise)")
    func stressRun() {
        let total = stress ? 50_000_000 : 300_000
        let result = concurrentRun(total: total, capacity: 256, maxChunk: 256, seed: 99)
        #expect(result.received == total)
        #expect(result.mismatches == 0, "first mismatch at sample \(String(describing: result.firstMismatch))")
    }
}
