import Foundation
import ZIPFoundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes NumPy `.npz` archives the way `np.savez` does: a zip of stored (uncompressed) members
/// named `<array>.npy`, each a complete `.npy` image (see `NumpyWriter`).
///
/// The archive is built in a temporary file in the destination directory and renamed over the
/// final name only once it is complete, so a failure never leaves a half-written `.npz` there.
public enum NPZWriter {
    /// Writes `members` (array name → `.npy` bytes, in the given order) to `url`.
    /// Throws `CheckpointError.unreadable`-style errors naming `url` when the directory does not
    /// exist or is not writable, and `malformed` for a member name that is empty or holds `/`.
    public static func write(_ members: KeyValuePairs<String, [UInt8]>, to url: URL) throws {
        try write(members.map { ($0.key, $0.value) }, to: url)
    }

    /// Writes `members` (array name and `.npy` bytes, in order) to `url`.
    public static func write(_ members: [(name: String, npy: [UInt8])], to url: URL) throws {
        for member in members where member.name.isEmpty || member.name.contains("/") {
            throw CheckpointError.malformed(file: url.path, item: "member name '\(member.name)'", offset: nil,
                                            reason: "array names must be non-empty and contain no '/'")
        }
        try AtomicFileReplacement.write(url: url) { temporary in
            let archive: Archive
            do {
                archive = try Archive(url: temporary, accessMode: .create)
            } catch {
                throw CheckpointError.unreadable(file: url.path, reason: "cannot create the zip archive: \(error)")
            }
            for member in members {
                let data = Data(member.npy)
                do {
                    try archive.addEntry(with: member.name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                         compressionMethod: .none) { position, size in
                        let start = Int(position)
                        return data.subdata(in: start..<min(start + size, data.count))
                    }
                } catch {
                    throw CheckpointError.unreadable(file: url.path, reason: "cannot add member '\(member.name).npy': \(error)")
                }
            }
        }
    }
}

/// Writes a file under a temporary name in its destination directory, then renames it into place.
enum AtomicFileReplacement {
    /// Calls `body` with a fresh temporary URL beside `url`; on success renames it to `url`
    /// (replacing any existing file atomically), on failure removes it and rethrows.
    static func write(url: URL, _ body: (URL) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.unreadable(file: url.path, reason: "the directory \(directory.path) does not exist")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        do {
            try body(temporary)
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw CheckpointError.unreadable(file: url.path, reason: "cannot rename the finished temporary file into place: \(reason)")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if error is CheckpointError { throw error }
            throw CheckpointError.unreadable(file: url.path, reason: "cannot write: \(FileErrorReason.describe(error))")
        }
    }
}
