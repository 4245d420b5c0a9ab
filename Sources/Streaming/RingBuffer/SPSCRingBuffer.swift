import Atomics

/// A single-producer/single-consumer ring buffer of `Float` samples: the hand-off from the
/// generation thread to the audio thread.
///
/// Shape (after swift-nio's `CircularBuffer` and swift-atomics' `LockFreeQueue`):
/// - the capacity is a power of two, and all storage (samples and the two indices) is allocated
///   once in `init` and freed in `deinit`; nothing allocates afterwards;
/// - the read index (`head`, advanced only by the consumer) and the write index (`tail`, advanced
///   only by the producer) are free-running `Int` counters with wrapping arithmetic; a slot is
///   `index & mask`, the fill level is `tail &- head` (always in `0...capacity`);
/// - the two indices live on separate 128-byte cache-line pairs, so producer and consumer do not
///   false-share;
/// - every atomic operation names its ordering: the producer copies samples, then stores `tail`
///   `.releasing`; the consumer loads `tail` `.acquiring` before copying samples out, then stores
///   `head` `.releasing`; the producer loads `head` `.acquiring` before overwriting freed slots.
///   Each side loads its own index `.relaxed` (only it writes that index).
///
/// Producer API (generation thread): ``write(_:)-(UnsafeBufferPointer<Float>)``, ``write(_:)-([Float])``,
/// ``availableToWrite``. Consumer API (audio thread): ``makeUnsafeRealtimeReader()`` returns an
/// ``UnsafeSPSCRingReader``, a plain struct of raw pointers that can be used from a C callback
/// with no ARC traffic. ``read(into:count:)`` and ``read(maxCount:)`` are consumer conveniences
/// for ordinary (non-realtime) consumers such as a WAV pump and tests.
///
/// Thread safety: at most one thread may act as the producer and at most one thread as the
/// consumer at any time (they may be different threads, and each role may move between threads
/// if the hand-over itself synchronizes, e.g. a thread join). Calling `write` from two threads at
/// once, or reading through two readers at once, is a data race. ``availableToRead`` and
/// ``availableToWrite`` may be called from any thread and return a snapshot that can be stale by
/// the time it is used (but never wrong in the unsafe direction for the side that owns it). The
/// instance must outlive every ``UnsafeSPSCRingReader`` made from it: the reader does not retain it.
public final class SPSCRingBuffer: @unchecked Sendable {
    /// Number of samples the buffer holds when full (a power of two).
    public let capacity: Int

    @usableFromInline let mask: Int
    /// `capacity` samples, zero-initialized once.
    @usableFromInline let storage: UnsafeMutablePointer<Float>
    /// Raw block holding both atomic indices, each on its own cache-line pair.
    @usableFromInline let indexBlock: UnsafeMutableRawPointer
    /// Read index: next sample the consumer will read. Written only by the consumer.
    @usableFromInline let head: UnsafeAtomic<Int>
    /// Write index: next slot the producer will fill. Written only by the producer.
    @usableFromInline let tail: UnsafeAtomic<Int>

    @usableFromInline static let indexStride = 128

    /// Creates a ring buffer holding exactly `capacity` samples.
    /// - Precondition: `capacity` is a power of two, at least 1.
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0,
                     "SPSCRingBuffer capacity must be a power of two, got \(capacity)")
        self.capacity = capacity
        self.mask = capacity - 1
        self.storage = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        self.storage.initialize(repeating: 0, count: capacity)
        let stride = Self.indexStride
        self.indexBlock = UnsafeMutableRawPointer.allocate(byteCount: 2 * stride, alignment: stride)
        let headStorage = indexBlock.bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1)
        headStorage.initialize(to: UnsafeAtomic<Int>.Storage(0))
        let tailStorage = (indexBlock + stride).bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1)
        tailStorage.initialize(to: UnsafeAtomic<Int>.Storage(0))
        self.head = UnsafeAtomic<Int>(at: headStorage)
        self.tail = UnsafeAtomic<Int>(at: tailStorage)
    }

    /// Creates a ring buffer whose capacity is `minimumCapacity` rounded up to a power of two.
    public convenience init(minimumCapacity: Int) {
        precondition(minimumCapacity > 0, "SPSCRingBuffer minimumCapacity must be positive, got \(minimumCapacity)")
        precondition(minimumCapacity <= 1 << 40, "SPSCRingBuffer minimumCapacity \(minimumCapacity) is unreasonably large")
        var capacity = 1
        while capacity < minimumCapacity { capacity <<= 1 }
        self.init(capacity: capacity)
    }

    deinit {
        // `UnsafeAtomic(at:)` does not own its storage (so no `destroy()`): deinitialize by hand.
        let stride = Self.indexStride
        indexBlock.bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1).deinitialize(count: 1)
        (indexBlock + stride).bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1).deinitialize(count: 1)
        indexBlock.deallocate()
        storage.deinitialize(count: capacity)
        storage.deallocate()
    }

    // MARK: Producer side (one thread at a time)

    /// Number of samples a `write` could store right now. Exact for the producer thread (it can
    /// only grow behind its back); a snapshot elsewhere.
    @inlinable
    public var availableToWrite: Int {
        let tail = self.tail.load(ordering: .relaxed)
        let head = self.head.load(ordering: .acquiring)
        return capacity - (tail &- head)
    }

    /// Copies as many of `samples` as fit and returns how many were written (a prefix of
    /// `samples`; 0 when the buffer is full). Never blocks, never allocates.
    ///
    /// Producer only: call from one thread at a time.
    @inlinable
    @discardableResult
    public func write(_ samples: UnsafeBufferPointer<Float>) -> Int {
        guard let source = samples.baseAddress, !samples.isEmpty else { return 0 }
        let tail = self.tail.load(ordering: .relaxed)
        // Acquire pairs with the consumer's releasing store of `head`: its reads of the freed
        // slots happen before we overwrite them.
        let head = self.head.load(ordering: .acquiring)
        let free = capacity - (tail &- head)
        let count = Swift.min(free, samples.count)
        if count <= 0 { return 0 }
        let start = tail & mask
        let first = Swift.min(count, capacity - start)
        (storage + start).update(from: source, count: first)
        if count > first {
            storage.update(from: source + first, count: count - first)
        }
        // Release publishes the copied samples before the new tail becomes visible.
        self.tail.store(tail &+ count, ordering: .releasing)
        return count
    }

    /// Copies as many of `samples` as fit and returns how many were written. See ``write(_:)-(UnsafeBufferPointer<Float>)``.
    @inlinable
    @discardableResult
    public func write(_ samples: [Float]) -> Int {
        samples.withUnsafeBufferPointer { write($0) }
    }

    /// Copies as many of `samples` as fit and returns how many were written.
    @inlinable
    @discardableResult
    public func write(_ samples: ArraySlice<Float>) -> Int {
        samples.withUnsafeBufferPointer { write($0) }
    }

    // MARK: Consumer side (one thread at a time)

    /// Number of samples a read could return right now. Exact for the consumer thread (it can
    /// only grow behind its back); a snapshot elsewhere.
    @inlinable
    public var availableToRead: Int {
        let head = self.head.load(ordering: .relaxed)
        let tail = self.tail.load(ordering: .acquiring)
        return tail &- head
    }

    /// The realtime consumer view: a plain value of raw pointers to this buffer's storage and
    /// indices, to be made once on an ordinary thread and handed to an audio callback.
    ///
    /// The returned reader does not keep this buffer alive: keep a strong reference to the
    /// `SPSCRingBuffer` for as long as the reader may be used. Only one reader (or one thread
    /// calling ``read(into:count:)``) may consume at a time.
    public func makeUnsafeRealtimeReader() -> UnsafeSPSCRingReader {
        UnsafeSPSCRingReader(storage: storage, mask: mask, head: head, tail: tail)
    }

    /// The realtime producer view: raw pointers to this buffer, for a callback that fills it (e.g.
    /// a JACK input port). Does not keep the buffer alive; only one producer may write at a time.
    public func makeUnsafeRealtimeWriter() -> UnsafeSPSCRingWriter {
        UnsafeSPSCRingWriter(storage: storage, mask: mask, head: head, tail: tail)
    }

    /// Consumer convenience for non-realtime consumers: copies up to `count` samples into
    /// `destination` and returns how many were copied.
    @inlinable
    public func read(into destination: UnsafeMutablePointer<Float>, count: Int) -> Int {
        UnsafeSPSCRingReader(storage: storage, mask: mask, head: head, tail: tail).read(into: destination, count: count)
    }

    /// Consumer convenience that allocates: returns up to `maxCount` samples.
    public func read(maxCount: Int) -> [Float] {
        let count = Swift.min(Swift.max(maxCount, 0), availableToRead)
        if count == 0 { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let destination = buffer.baseAddress else { initialized = 0; return }  // never: count > 0
            initialized = read(into: destination, count: count)
        }
    }
}
