import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory with `mmap`.
///
/// Reads are bounds-checked: every accessor takes the item being read so that a short file gives a
/// `CheckpointError.truncated` naming it. The mapping is released (`munmap`) when the object dies.
/// An empty file is represented without a mapping.
///
/// Thread safety: immutable after `init`; the mapping is `PROT_READ`/`MAP_PRIVATE` and never
/// written, so any number of threads may read concurrently. Pointers handed to `withBytes` closures
/// are valid only during the call. (If another process truncates the file while it is mapped,
/// reads past the new end raise SIGBUS; checkpoint files are assumed not to change while open.)
final class MappedFile: @unchecked Sendable {
    /// The file, as given.
    let url: URL
    /// The path used in error messages.
    let path: String
    /// File size in bytes.
    let count: Int
    private let base: UnsafeRawPointer?

    /// Maps `url` read-only. Throws `CheckpointError.unreadable` if it cannot be opened or mapped.
    init(url: URL) throws {
        self.url = url
        self.path = url.path
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw CheckpointError.unreadable(file: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CheckpointError.unreadable(file: url.path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.unreadable(file: url.path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        self.count = size
        if size == 0 {
            self.base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw CheckpointError.unreadable(file: url.path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        self.base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        }
    }

    /// Throws `truncated` unless `offset..<offset+length` lies inside the file.
    func checkRange(offset: Int, length: Int, item: String) throws {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw CheckpointError.truncated(file: path, item: item, offset: offset, needed: length,
                                            available: max(0, count - max(0, offset)))
        }
    }

    /// Calls `body` with the bytes `offset..<offset+length` (bounds-checked first).
    func withBytes<R>(offset: Int, length: Int, item: String,
                      _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try checkRange(offset: offset, length: length, item: item)
        guard let base, length > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: base + offset, count: length))
    }

    /// A copy of the bytes `offset..<offset+length`.
    func bytes(offset: Int, length: Int, item: String) throws -> [UInt8] {
        try withBytes(offset: offset, length: length, item: item) { Array($0) }
    }

    /// Little-endian unsigned integer of `width` bytes (1…8) at `offset`.
    func uintLE(offset: Int, width: Int, item: String) throws -> UInt64 {
        try withBytes(offset: offset, length: width, item: item) { LittleEndian.uint($0, at: 0, width: width) }
    }
}

/// Little-endian integer decoding from raw bytes (no alignment requirement).
enum LittleEndian {
    /// Unsigned integer of `width` bytes at `offset` in `bytes`; the caller has checked the range.
    static func uint(_ bytes: UnsafeRawBufferPointer, at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in stride(from: width - 1, through: 0, by: -1) {
            value = (value << 8) | UInt64(bytes[offset + i])
        }
        return value
    }

    /// Unsigned integer of `width` bytes at `offset` in `bytes`; the caller has checked the range.
    static func uint(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        bytes.withUnsafeBytes { uint($0, at: offset, width: width) }
    }
}
