import Atomics

/// The realtime producer view of an ``SPSCRingBuffer``: a plain struct of raw pointers, the
/// mirror of ``UnsafeSPSCRingReader``. A JACK process callback uses it to push captured input
/// (e.g. `reference_in`) without ARC traffic, locks or allocation.
///
/// "Unsafe" because it does not own the memory: the ``SPSCRingBuffer`` it came from must stay
/// alive while the writer is used.
///
/// Thread safety: producer side only. At most one thread may write to a given ring buffer at a
/// time, through this writer or the buffer's own `write` methods; one consumer may read
/// concurrently. ``write(from:count:)`` is wait-free.
@frozen
public struct UnsafeSPSCRingWriter: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutablePointer<Float>
    @usableFromInline let mask: Int
    @usableFromInline let head: UnsafeAtomic<Int>
    @usableFromInline let tail: UnsafeAtomic<Int>

    @inlinable
    init(storage: UnsafeMutablePointer<Float>, mask: Int, head: UnsafeAtomic<Int>, tail: UnsafeAtomic<Int>) {
        self.storage = storage
        self.mask = mask
        self.head = head
        self.tail = tail
    }

    /// Capacity of the underlying ring buffer in samples.
    @inlinable
    public var capacity: Int { mask &+ 1 }

    /// Copies as many of the `count` samples at `source` as fit and returns how many were written
    /// (a prefix; 0 when full). Never waits: the caller counts what did not fit.
    @inlinable
    @inline(__always)
    public func write(from source: UnsafePointer<Float>, count: Int) -> Int {
        if count <= 0 { return 0 }
        let tail = self.tail.load(ordering: .relaxed)
        // Acquire pairs with the consumer's releasing store of `head`.
        let head = self.head.load(ordering: .acquiring)
        let free = mask &+ 1 &- (tail &- head)
        let n = free < count ? free : count
        if n <= 0 { return 0 }
        let start = tail & mask
        let untilEnd = mask &+ 1 &- start
        let first = n < untilEnd ? n : untilEnd
        let stride = MemoryLayout<Float>.stride
        UnsafeMutableRawPointer(storage + start).copyMemory(from: source, byteCount: first &* stride)
        if n > first {
            UnsafeMutableRawPointer(storage).copyMemory(from: source + first, byteCount: (n &- first) &* stride)
        }
        // Release publishes the samples before the new tail.
        self.tail.store(tail &+ n, ordering: .releasing)
        return n
    }
}
