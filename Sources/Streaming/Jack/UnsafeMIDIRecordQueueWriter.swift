import Atomics

/// The realtime producer view of a ``JackMIDIRecordQueue``: raw pointers to its slots and indices.
/// ``push(_:)`` is wait-free: a bounded number of atomic operations and one fixed-size copy; it
/// never allocates, locks or retains.
///
/// "Unsafe" because it does not own the memory: the queue it came from must stay alive while the
/// writer is used.
///
/// Thread safety: producer side only, one thread at a time (the JACK process thread).
@frozen
public struct UnsafeMIDIRecordQueueWriter: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutablePointer<JackMIDIRecord>
    @usableFromInline let mask: Int
    @usableFromInline let head: UnsafeAtomic<Int>
    @usableFromInline let tail: UnsafeAtomic<Int>

    init(storage: UnsafeMutablePointer<JackMIDIRecord>, mask: Int, head: UnsafeAtomic<Int>, tail: UnsafeAtomic<Int>) {
        self.storage = storage
        self.mask = mask
        self.head = head
        self.tail = tail
    }

    /// Appends `record` and returns true, or returns false (queue full: nothing written).
    @inlinable
    @inline(__always)
    public func push(_ record: JackMIDIRecord) -> Bool {
        let tail = self.tail.load(ordering: .relaxed)
        // Acquire pairs with the consumer's releasing store of `head`: it is done with the slot.
        let head = self.head.load(ordering: .acquiring)
        if tail &- head > mask { return false }
        (storage + (tail & mask)).pointee = record  // trivial type: a plain copy
        self.tail.store(tail &+ 1, ordering: .releasing)
        return true
    }
}
