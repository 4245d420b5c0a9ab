import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output a command writes, chosen from a user's path by what the path is:
/// - `-`: standard output (a pipe, a terminal, a file the shell opened);
/// - a character device, FIFO or socket (`/dev/null`, `/dev/stdout` → a pipe, a named pipe):
///   written in place, never replaced;
/// - a regular file, a new name, or a symbolic link to either: written to a hidden temporary file
///   beside the final file and renamed over it by `commit`, so the final name holds the complete
///   old file or the complete new one, never a partial write. A symbolic link is kept: its target
///   is what gets replaced.
///
/// Nothing is created until `init`; `check(_:)` answers "could this be written?" beforehand, so
/// commands can refuse a bad path before spending minutes on generation.
///
/// Thread safety: none. An `OutputFile` owns a file descriptor and mutable state; use it from one
/// thread at a time.
public final class OutputFile {
    /// How the output is written.
    public enum Kind: Sendable, Equatable {
        /// File descriptor 1.
        case standardOutput
        /// A character device, FIFO or socket, opened and written in place.
        case special
        /// A regular file written under a temporary name and renamed into place by `commit`.
        case replaced
    }

    /// The path as the user gave it (for messages).
    public let path: String
    public let kind: Kind
    /// The file that receives the data: the path itself, or where its symbolic links lead.
    public let targetPath: String
    /// Whether `write(_:at:)` can patch earlier bytes (false for pipes, FIFOs, terminals).
    public let isSeekable: Bool

    private var descriptor: Int32
    private let temporaryPath: String?
    private var finished = false

    /// Opens the output. Throws `CheckpointError.unwritable` naming `path` when it is a directory,
    /// a block device, lies in a missing directory, or cannot be opened.
    public init(path: String) throws {
        self.path = path
        let plan = try Self.plan(path)
        kind = plan.kind
        targetPath = plan.target
        switch plan.kind {
        case .standardOutput:
            descriptor = STDOUT_FILENO
            temporaryPath = nil
        case .special:
            descriptor = open(plan.target, O_WRONLY | O_NOCTTY | O_CLOEXEC)
            temporaryPath = nil
            guard descriptor >= 0 else { throw Self.failure(path, "cannot open for writing: \(Self.lastError())") }
        case .replaced:
            let directory = (plan.target as NSString).deletingLastPathComponent
            let name = (plan.target as NSString).lastPathComponent
            let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).\(UUID().uuidString).partial"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw Self.failure(path, "cannot create a temporary file in \(directory.isEmpty ? "." : directory): \(Self.lastError())")
            }
            temporaryPath = temporary
        }
        isSeekable = lseek(descriptor, 0, SEEK_CUR) >= 0
    }

    deinit { abandon() }

    /// Throws the error `init` would, without creating or opening anything: for a regular file,
    /// its directory must exist and be writable; for a device, FIFO or socket, it must be writable.
    public static func check(_ path: String) throws {
        let plan = try plan(path)
        switch plan.kind {
        case .standardOutput:
            return
        case .special:
            guard access(plan.target, W_OK) == 0 else { throw failure(path, "not writable: \(lastError())") }
        case .replaced:
            let directory = (plan.target as NSString).deletingLastPathComponent
            guard access(directory.isEmpty ? "." : directory, W_OK) == 0 else {
                throw failure(path, "the directory \(directory.isEmpty ? "." : directory) is not writable: \(lastError())")
            }
        }
    }

    /// Appends `bytes`. Throws `CheckpointError.unwritable` (e.g. "No space left on device").
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write(raw: $0) }
    }

    /// Appends `data`.
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write(raw: $0) }
    }

    /// Overwrites `bytes` at `offset` without moving the append position (seekable outputs only).
    public func write(_ bytes: [UInt8], at offset: Int) throws {
        guard isSeekable else { throw Self.failure(path, "cannot rewrite earlier bytes of a pipe or FIFO") }
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                guard let base = buffer.baseAddress else { return }
                let n = pwrite(descriptor, base + done, buffer.count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Self.failure(path, "write failed: \(Self.lastError())") }
                done += n
            }
        }
    }

    /// Finishes the output: flushes it to disk and renames a temporary file into place (replacing
    /// the old file, or a symbolic link's target, atomically); closes a device or FIFO. Standard
    /// output stays open.
    public func commit() throws {
        guard !finished else { return }
        finished = true
        switch kind {
        case .standardOutput:
            return
        case .special:
            close(descriptor)
        case .replaced:
            guard let temporaryPath else { return }
            if fsync(descriptor) != 0 {
                let reason = Self.lastError()
                close(descriptor)
                unlink(temporaryPath)
                throw Self.failure(path, "write failed: \(reason)")
            }
            close(descriptor)
            guard rename(temporaryPath, targetPath) == 0 else {
                let reason = Self.lastError()
                unlink(temporaryPath)
                throw Self.failure(path, "cannot rename the finished file into place: \(reason)")
            }
        }
    }

    /// Gives up: removes the temporary file (the final name is untouched) or closes the device.
    /// Safe to call more than once and after `commit`.
    public func abandon() {
        guard !finished else { return }
        finished = true
        switch kind {
        case .standardOutput:
            return
        case .special:
            close(descriptor)
        case .replaced:
            close(descriptor)
            if let temporaryPath { unlink(temporaryPath) }
        }
    }

    // MARK: - Deciding

    /// What `path` is and which file receives the data (see the type's documentation).
    static func plan(_ path: String) throws -> (kind: Kind, target: String) {
        if path == "-" { return (.standardOutput, path) }
        guard !path.isEmpty else { throw failure(path, "the path is empty") }
        let target = try resolveLinks(path)
        var info = stat()
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: return (.replaced, target)
            case S_IFCHR, S_IFIFO, S_IFSOCK: return (.special, target)
            case S_IFDIR: throw failure(path, "is a directory; give a file name inside it")
            case S_IFBLK: throw failure(path, "is a block device; refusing to write over it")
            default: throw failure(path, "is not a regular file, device or FIFO")
            }
        }
        guard errno == ENOENT else { throw failure(path, "cannot be examined: \(lastError())") }
        let directory = (target as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw failure(path, "the directory \(directory) does not exist")
        }
        return (.replaced, target)
    }

    /// Follows symbolic links (relative targets against the link's directory) to the path they
    /// finally name, which need not exist yet.
    private static func resolveLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length >= 0 else { throw failure(path, "cannot read the symbolic link \(current): \(lastError())") }
            let destination = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination
                : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination)
        }
        throw failure(path, "too many levels of symbolic links")
    }

    private func write(raw buffer: UnsafeRawBufferPointer) throws {
        guard !finished else { throw Self.failure(path, "write after the output was finished") }
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let n = systemWrite(descriptor, base + done, buffer.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Self.failure(path, "write failed: \(Self.lastError())") }
            done += n
        }
    }

    static func failure(_ path: String, _ reason: String) -> CheckpointError {
        .unwritable(file: path, reason: reason)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
