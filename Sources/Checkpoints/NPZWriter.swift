import Foundation
import ZIPFoundation

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
                throw CheckpointError.unwritable(file: url.path, reason: "cannot create the zip archive (\(ZIPErrorDescription.describe(error)))")
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
                    throw CheckpointError.unwritable(file: url.path, reason: "cannot add member '\(member.name).npy' (\(ZIPErrorDescription.describe(error)))")
                }
            }
        }
    }
}
