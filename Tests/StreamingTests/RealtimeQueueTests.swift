import Streaming
import Testing

@Suite("Realtime producer views: the control-record queue and the ring writer")
struct RealtimeQueueTests {
    private func note(_ n: Int) -> JackMIDIRecord {
        JackMIDIRecord(kind: .midi, frameTime: UInt32(n), outputFrame: n, length: 3, byte0: 0x90, byte1: UInt8(n % 128), byte2: 1)
    }

    @Test("records come out in order across many wrap-arounds; a full queue rejects without writing")
    func queueOrderAndOverflow() {
        let queue = JackMIDIRecordQueue(minimumCapacity: 5)
        #expect(queue.capacity == 8)
        let writer = queue.makeUnsafeRealtimeWriter()
        var next = 0
        var expected = 0
        for round in 0..<100 {
            let burst = round % 11
            var accepted = 0
            for _ in 0..<burst {
                if writer.push(note(next)) { next += 1; accepted += 1 }
            }
            #expect(accepted == min(burst, 8))
            #expect(queue.count == accepted)
            let drained = queue.drain { record in
                #expect(record.outputFrame == expected)
                expected += 1
            }
            #expect(drained == accepted)
        }
        #expect(expected == next)
        for i in 0..<8 { #expect(writer.push(note(i))) }
        #expect(!writer.push(note(99)), "the ninth record does not fit")
        var seen: [Int] = []
        queue.drain { seen.append($0.outputFrame) }
        #expect(seen == Array(0..<8))
    }

    @Test("a throwing consumer keeps the records it did not reach")
    func throwingDrain() throws {
        struct Stop: Error {}
        let queue = JackMIDIRecordQueue(minimumCapacity: 4)
        let writer = queue.makeUnsafeRealtimeWriter()
        for i in 0..<3 { #expect(writer.push(note(i))) }
        #expect(throws: Stop.self) { try queue.drain { if $0.outputFrame == 1 { throw Stop() } } }
        var rest: [Int] = []
        queue.drain { rest.append($0.outputFrame) }
        #expect(rest == [2])
    }

    @Test("the ring writer copies what fits across the wrap and reports it; the reader gets it back")
    func ringWriter() {
        let ring = SPSCRingBuffer(capacity: 16)
        let writer = ring.makeUnsafeRealtimeWriter()
        #expect(writer.capacity == 16)
        let first = (0..<10).map(Float.init)
        #expect(first.withUnsafeBufferPointer { writer.write(from: $0.baseAddress!, count: 10) } == 10)
        #expect(ring.read(maxCount: 8) == Array(first[0..<8]))
        let second = (10..<30).map(Float.init)
        // 2 left in the ring, 14 free: a 20-sample write keeps its first 14 (crossing the end).
        #expect(second.withUnsafeBufferPointer { writer.write(from: $0.baseAddress!, count: 20) } == 14)
        #expect(ring.read(maxCount: 100) == (8..<24).map(Float.init))
        #expect(second.withUnsafeBufferPointer { writer.write(from: $0.baseAddress!, count: 0) } == 0)
    }
}
