import Atomics

/// A single-producer/single-consumer queue of ``JackMIDIRecord``s: the hand-off from the JACK
/// process callback (producer) to an ordinary thread (consumer). Same shape as
/// ``SPSCRingBuffer``: power-of-two capacity, all storage allocated once in `init`, free-running
/// `Int` indices on separate cache-line pairs, `.releasing` stores paired with `.acquiring` loads.
///
/// The producer is ``UnsafeMIDIRecordQueueWriter`` (a plain struct of raw pointers, made with
/// ``makeUnsafeRealtimeWriter()``), which never allocates, locks or waits: a full queue rejects the
/// record and the caller counts it. The consumer calls ``drain(_:)``.
///
/// Thread safety: one producer thread and one consumer thread at a time. ``drain(_:)`` from two
/// threads at once is a data race; ``count`` may be read anywhere (a snapshot). The queue must
/// outlive every writer made from it (writers do not retain it).
public final class JackMIDIRecordQueue: @unchecked Sendable {
    /// Records the queue holds when full (a power of two).
    public let capacity: Int
    let mask: Int
    let storage: UnsafeMutablePointer<JackMIDIRecord>
    let indexBlock: UnsafeMutableRawPointer
    /// Next record the consumer reads. Written only by the consumer.
    let head: UnsafeAtomic<Int>
    /// Next slot the producer fills. Written only by the producer.
    let tail: UnsafeAtomic<Int>

    static let indexStride = 128

    /// Creates a queue of at least `minimumCapacity` records (rounded up to a power of two).
    /// - Precondition: `1 <= minimumCapacity <= 1 << 24` (checked by ``JackSink`` with a typed error first).
    public init(minimumCapacity: Int) {
        precondition(minimumCapacity >= 1 && minimumCapacity <= 1 << 24,
                     "JackMIDIRecordQueue minimumCapacity must be in 1...16777216, got \(minimumCapacity)")
        var capacity = 1
        while capacity < minimumCapacity { capacity <<= 1 }
        self.capacity = capacity
        self.mask = capacity - 1
        self.storage = .allocate(capacity: capacity)
        self.storage.initialize(repeating: JackMIDIRecord(kind: .midi, frameTime: 0, outputFrame: 0), count: capacity)
        let stride = Self.indexStride
        self.indexBlock = UnsafeMutableRawPointer.allocate(byteCount: 2 * stride, alignment: stride)
        let headStorage = indexBlock.bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1)
        headStorage.initialize(to: UnsafeAtomic<Int>.Storage(0))
        let tailStorage = (indexBlock + stride).bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1)
        tailStorage.initialize(to: UnsafeAtomic<Int>.Storage(0))
        self.head = UnsafeAtomic<Int>(at: headStorage)
        self.tail = UnsafeAtomic<Int>(at: tailStorage)
    }

    deinit {
        let stride = Self.indexStride
        indexBlock.bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1).deinitialize(count: 1)
        (indexBlock + stride).bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1).deinitialize(count: 1)
        indexBlock.deallocate()
        storage.deinitialize(count: capacity)
        storage.deallocate()
    }

    /// Records waiting to be drained (a snapshot).
    public var count: Int { tail.load(ordering: .acquiring) &- head.load(ordering: .acquiring) }

    /// The realtime producer view (raw pointers; does not retain the queue). Only one writer may
    /// be used at a time.
    public func makeUnsafeRealtimeWriter() -> UnsafeMIDIRecordQueueWriter {
        UnsafeMIDIRecordQueueWriter(storage: storage, mask: mask, head: head, tail: tail)
    }

    /// Consumer: hands every record queued so far to `body`, oldest first, and frees their slots.
    /// Returns how many records were drained. Records pushed while draining are left for the next call.
    @discardableResult
    public func drain(_ body: (JackMIDIRecord) throws -> Void) rethrows -> Int {
        let head = self.head.load(ordering: .relaxed)
        // Acquire pairs with the producer's releasing store: the records are fully written.
        let tail = self.tail.load(ordering: .acquiring)
        var index = head
        // Free each slot as soon as it is copied out, so a throwing `body` loses nothing else.
        defer { self.head.store(index, ordering: .releasing) }
        while index != tail {
            let record = storage[index & mask]
            index &+= 1
            try body(record)
        }
        return tail &- head
    }
}
