import CKernels

/// glibc's allocator serves blocks above its mmap threshold (128 KiB, raised on the fly up to
/// 32 MiB) with fresh pages from the kernel and returns them on free, so a buffer of that size
/// allocated again and again — the codec's convolution outputs (tens of MB for a few seconds of
/// audio), prefill workspaces, BLAS packing buffers — is zero-filled by page faults every time:
/// `perf` put `clear_page_erms` at 12 % of a bark-small bench run. Raising the threshold to 256 MiB
/// and the trim threshold to 1 GiB keeps such buffers in the heap for reuse (measured: the
/// codec's 5 s decode from 1.6 to 1.0 s). Model weights (one-off, larger) are unaffected.
/// `omnibark` calls it first thing in `main`; an application embedding the engine may too.
///
/// Threading: call once at start-up, before other threads allocate.
public enum LargeAllocationPolicy {
    /// Returns false where the C library has no such settings (not glibc).
    @discardableResult
    public static func apply() -> Bool {
        ck_keep_large_allocations(256 << 20, 1 << 30) == 1
    }
}
