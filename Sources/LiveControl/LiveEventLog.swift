import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `--event-log FILE`: one JSON object per line (`LiveEventLogLine`), each written with one
/// `write(2)` as soon as it is known, so a crash loses no finished line and `tail -f` sees every
/// event as it happens.
///
/// After the first failed write the log stops writing (the file system is full or gone) and
/// `write` keeps answering that error.
///
/// Thread safety: a lock guards the file descriptor and the failure state; every method may be
/// called from any thread (not from a realtime thread: writes block on the file system).
public final class LiveEventLog: @unchecked Sendable {
    /// The path as given (for messages).
    public let path: String
    private let lock = NSLock()
    private var descriptor: Int32
    private var failure: LiveEventLogError?

    /// Creates (or truncates) the file at `url`. Throws `LiveEventLogError.cannotCreate` naming
    /// the path when it cannot (missing directory, a directory, no permission).
    public init(url: URL) throws(LiveEventLogError) {
        path = url.path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: ErrorMessage.posix(errno)) }
        descriptor = fd
    }

    deinit {
        if descriptor >= 0 { closeDescriptor(descriptor) }
    }

    /// Appends `line` and a newline. Throws `LiveEventLogError.writeFailed` (naming the path) when
    /// the write fails, and again for every later line; nothing is written after a close.
    public func write(_ line: LiveEventLogLine) throws(LiveEventLogError) {
        let bytes = Array((line.json + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        guard descriptor >= 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                writeDescriptor(descriptor, buffer.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let error = LiveEventLogError.writeFailed(path: path, reason: ErrorMessage.posix(errno))
                failure = error
                throw error
            }
            offset += written
        }
    }

    /// Closes the file; idempotent. Lines written after this are ignored.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if descriptor >= 0 { closeDescriptor(descriptor) }
        descriptor = -1
    }
}

// The system calls under names the methods above do not shadow.
private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
private func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int { write(descriptor, bytes, count) }
