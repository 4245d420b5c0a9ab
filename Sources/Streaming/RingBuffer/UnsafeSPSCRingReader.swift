import Atomics

/// The realtime consumer view of an ``SPSCRingBuffer``: a plain struct of raw pointers (sample
/// storage and the two atomic indices) and an `Int` mask. Copying it copies pointers; using it
/// touches no Swift object, so it makes no ARC traffic, takes no lock and never allocates.
///
/// Make it once on an ordinary thread with ``SPSCRingBuffer/makeUnsafeRealtimeReader()`` and
/// hand it to the audio callback through the callback's raw user-data pointer (e.g. stored in a
/// heap-allocated context struct). ``read(into:count:)`` is what a JACK process callback calls.
///
/// "Unsafe" because it does not own the memory it points to: the ``SPSCRingBuffer`` it came from
/// must stay alive (someone must hold a strong reference to it) for as long as the reader is used.
///
/// Thread safety: consumer side only. At most one thread may read from a given ring buffer at a
/// time, through this reader or the buffer's own `read` conveniences; the producer may write
/// concurrently from one other thread. Never call anything but `read(into:count:)` and
/// ``availableToRead`` from a realtime thread; both are wait-free (a bounded number of atomic
/// loads/stores and at most two `memcpy`-like copies).
@frozen
public struct UnsafeSPSCRingReader: @unchecked Sendable {
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

    /// Samples ready to be read now (exact on the consumer thread, can only grow behind its back).
    @inlinable
    public var availableToRead: Int {
        @inline(__always) get {
            let head = self.head.load(ordering: .relaxed)
            let tail = self.tail.load(ordering: .acquiring)
            return tail &- head
        }
    }

    /// Copies up to `count` samples into `destination` and returns how many were copied (0 when
    /// the buffer is empty). Never waits, allocates, locks or retains anything. The caller
    /// decides what to do with the `count - returned` samples that are missing (a JACK sink
    /// writes silence and counts an underrun).
    ///
    /// Consumer only: call from one thread at a time.
    @inlinable
    @inline(__always)
    public func read(into destination: UnsafeMutablePointer<Float>, count: Int) -> Int {
        if count <= 0 { return 0 }
        let head = self.head.load(ordering: .relaxed)
        // Acquire pairs with the producer's releasing store of `tail`: the samples it wrote
        // before publishing are visible to the copy below.
        let tail = self.tail.load(ordering: .acquiring)
        let available = tail &- head
        let n = available < count ? available : count
        if n <= 0 { return 0 }
        let start = head & mask
        let untilEnd = mask &+ 1 &- start
        let first = n < untilEnd ? n : untilEnd
        // Raw-memory copies: non-generic, so even unoptimized builds call memmove directly.
        let stride = MemoryLayout<Float>.stride
        UnsafeMutableRawPointer(destination).copyMemory(from: storage + start, byteCount: first &* stride)
        if n > first {
            UnsafeMutableRawPointer(destination + first).copyMemory(from: storage, byteCount: (n &- first) &* stride)
        }
        // Release: our reads of these slots complete before the producer may reuse them.
        self.head.store(head &+ n, ordering: .releasing)
        return n
    }
}
