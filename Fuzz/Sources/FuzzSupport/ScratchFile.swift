import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One temporary file per fuzzing process, rewritten with each input, for readers that only open
/// files (memory-mapped checkpoints, zip archives). It lives in the system temporary directory,
/// named by process id and extension (scripts/fuzz.sh points TMPDIR into its run directory), and is
/// removed by `remove()` (libFuzzer never returns from its loop normally, so a stale file may
/// remain after a crash; the name makes it recognisable).
///
/// Thread safety: libFuzzer calls the target from one thread; this type has no shared state
/// besides the file itself and is not meant for concurrent use.
public struct ScratchFile: Sendable {
    /// The file's location.
    public let url: URL

    /// A scratch file ending in `.<pathExtension>` for this process.
    public init(pathExtension: String) {
        url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("omnibark-fuzz-\(getpid()).\(pathExtension)")
    }

    /// Replaces the file's contents with `bytes` (truncating it first).
    public func write(_ data: UnsafePointer<UInt8>, count: Int) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("fuzz harness: cannot create \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var written = 0
        while written < count {
            let n = Glibc.write(fd, data + written, count - written)
            guard n > 0 else { fatalError("fuzz harness: cannot write \(url.path): \(String(cString: strerror(errno)))") }
            written += n
        }
    }

    /// Deletes the file (ignoring a missing one).
    public func remove() {
        unlink(url.path)
    }
}
