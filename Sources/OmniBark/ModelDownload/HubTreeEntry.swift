/// One entry of a hub tree listing (`/api/models/{repo}/tree/{revision}`), as huggingface_hub's
/// `RepoFile` / `RepoFolder` read it: `type` is `file` or `directory`; a file has `size` and
/// `oid` (its git blob id) and, when stored in LFS, `lfs = {oid: <sha256>, size, pointerSize}`.
public struct HubTreeEntry: Sendable, Equatable, Decodable {
    /// LFS metadata of a file.
    public struct LFS: Sendable, Equatable, Decodable {
        /// SHA-256 of the file content, in hex.
        public var oid: String
        /// The content size in bytes.
        public var size: Int64
    }

    public var type: String
    public var path: String
    public var size: Int64?
    public var oid: String?
    public var lfs: LFS?

    public init(type: String, path: String, size: Int64?, oid: String?, lfs: LFS?) {
        self.type = type
        self.path = path
        self.size = size
        self.oid = oid
        self.lfs = lfs
    }

    /// Whether this entry is a file (not a directory).
    public var isFile: Bool { type == "file" }
}

/// A file to fetch: its path in the repository, size and checksum.
public struct HubFile: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var checksum: ExpectedChecksum

    public init(path: String, size: Int64, checksum: ExpectedChecksum) {
        self.path = path
        self.size = size
        self.checksum = checksum
    }

    /// The file an entry describes: LFS size and SHA-256 when it has them, else the git blob id.
    /// Nil for directories and entries without the fields needed to check a download.
    public init?(entry: HubTreeEntry) {
        guard entry.isFile else { return nil }
        if let lfs = entry.lfs {
            self.init(path: entry.path, size: lfs.size, checksum: .sha256(lfs.oid))
        } else if let size = entry.size, let oid = entry.oid {
            self.init(path: entry.path, size: size, checksum: .gitBlobSHA1(oid))
        } else {
            return nil
        }
    }
}
