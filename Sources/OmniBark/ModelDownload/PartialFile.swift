import Checkpoints
import Foundation

/// A download in progress: the hidden `.<name>.incomplete` file beside the final one, an open
/// handle appending to it, and the running checksum of everything it holds.
///
/// Thread safety: shared between URLSession's delegate callbacks and the downloading task; `lock`
/// guards the handle, the checksum accumulator and the length, and every method takes it.
final class PartialFile: @unchecked Sendable {
    let url: URL
    let expectedSize: Int64
    private let checksumKind: ExpectedChecksum
    private let lock = NSLock()
    private var handle: FileHandle?
    private var accumulator: ChecksumAccumulator
    private var length: Int64 = 0

    /// The incomplete-file path for `final`: same directory, so the final rename is atomic.
    static func incompleteURL(for final: URL) -> URL {
        final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).incomplete")
    }

    /// Opens (creating if needed) the incomplete file for `final`, hashing whatever it already holds
    /// so the download can resume after it. A partial longer than `expectedSize` is discarded.
    init(final: URL, expectedSize: Int64, checksum: ExpectedChecksum) throws {
        url = Self.incompleteURL(for: final)
        self.expectedSize = expectedSize
        checksumKind = checksum
        accumulator = checksum.makeAccumulator(size: expectedSize)
        let manager = FileManager.default
        if let size = Self.fileSize(url), size > expectedSize { try Self.remove(url) }
        if !manager.fileExists(atPath: url.path) {
            guard manager.createFile(atPath: url.path, contents: nil) else {
                throw ModelDownloadError.fileSystem(path: url.path, operation: "create", underlying: ErrorMessage.posix(errno))
            }
        }
        do {
            let handle = try FileHandle(forUpdating: url)
            self.handle = handle
            var buffer = Data()
            repeat {
                buffer = try handle.read(upToCount: 1 << 20) ?? Data()
                buffer.withUnsafeBytes { accumulator.update($0) }
                length += Int64(buffer.count)
            } while !buffer.isEmpty
        } catch {
            throw ModelDownloadError.fileSystem(path: url.path, operation: "read partial download", underlying: ErrorMessage.reason(error))
        }
    }

    /// Bytes on disk so far.
    var count: Int64 { lock.withLock { length } }

    /// Discards everything (a server that ignored `Range` sends the whole file again).
    func restart() throws {
        try lock.withLock {
            do {
                try handle?.truncate(atOffset: 0)
                try handle?.seek(toOffset: 0)
            } catch {
                throw ModelDownloadError.fileSystem(path: url.path, operation: "truncate", underlying: ErrorMessage.reason(error))
            }
            accumulator = checksumKind.makeAccumulator(size: expectedSize)
            length = 0
        }
    }

    /// Appends a chunk, returning the new length. Refuses to grow past the expected size.
    @discardableResult
    func append(_ data: Data, from source: URL) throws -> Int64 {
        try lock.withLock {
            guard length + Int64(data.count) <= expectedSize else {
                throw ModelDownloadError.sizeMismatch(file: url.path, url: source, expected: expectedSize, actual: length + Int64(data.count))
            }
            do {
                try handle?.write(contentsOf: data)
            } catch {
                throw ModelDownloadError.fileSystem(path: url.path, operation: "write at byte offset \(length) of", underlying: ErrorMessage.reason(error))
            }
            data.withUnsafeBytes { accumulator.update($0) }
            length += Int64(data.count)
            return length
        }
    }

    /// Flushes and closes the file; returns the hex digest of its content.
    func close() throws -> String {
        try lock.withLock {
            do {
                try handle?.synchronize()
                try handle?.close()
            } catch {
                throw ModelDownloadError.fileSystem(path: url.path, operation: "flush", underlying: ErrorMessage.reason(error))
            }
            handle = nil
            return accumulator.finalizeHex()
        }
    }

    /// Closes without caring about errors, keeping the bytes for a later resume.
    func abandon() {
        lock.withLock {
            try? handle?.close()
            handle = nil
        }
    }

    /// Closes and deletes the partial file.
    func discard() {
        abandon()
        try? FileManager.default.removeItem(at: url)
    }

    static func fileSize(_ url: URL) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        return (attributes[.size] as? NSNumber)?.int64Value
    }

    static func remove(_ url: URL) throws {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw ModelDownloadError.fileSystem(path: url.path, operation: "remove", underlying: ErrorMessage.reason(error))
        }
    }
}
