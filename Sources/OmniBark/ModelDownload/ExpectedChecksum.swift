import Crypto
import Foundation

/// What a downloaded file must hash to, as the hub's tree listing states it.
///
/// For an LFS file the listing's `lfs.oid` is the SHA-256 of the content (the hub sends the same
/// value as `X-Linked-Etag`); for a file stored in git, `oid` is the git blob id: SHA-1 of
/// `"blob <size>\0"` followed by the content (the value the hub sends as `ETag`).
public enum ExpectedChecksum: Sendable, Equatable, CustomStringConvertible {
    case sha256(String)
    case gitBlobSHA1(String)

    /// The expected digest in lowercase hex.
    public var hex: String {
        switch self {
        case .sha256(let hex), .gitBlobSHA1(let hex): return hex.lowercased()
        }
    }

    public var description: String {
        switch self {
        case .sha256(let hex): return "sha256:\(hex)"
        case .gitBlobSHA1(let hex): return "git-blob-sha1:\(hex)"
        }
    }

    /// A fresh accumulator for a file of `size` bytes.
    func makeAccumulator(size: Int64) -> ChecksumAccumulator {
        ChecksumAccumulator(kind: self, size: size)
    }
}

/// Hashes a file's bytes as they arrive, in the way its `ExpectedChecksum` needs (swift-crypto's
/// SHA-256 and SHA-1, which use BoringSSL's assembly: hashing keeps up with the download).
struct ChecksumAccumulator {
    private enum State {
        case sha256(SHA256)
        case sha1(Insecure.SHA1)
    }

    private var state: State

    init(kind: ExpectedChecksum, size: Int64) {
        switch kind {
        case .sha256:
            state = .sha256(SHA256())
        case .gitBlobSHA1:
            // A git blob id is SHA-1 over "blob <size>\0" followed by the content.
            var digest = Insecure.SHA1()
            digest.update(data: Array("blob \(size)\0".utf8))
            state = .sha1(digest)
        }
    }

    /// Feeds the next bytes of the file.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var digest):
            digest.update(bufferPointer: bytes)
            state = .sha256(digest)
        case .sha1(var digest):
            digest.update(bufferPointer: bytes)
            state = .sha1(digest)
        }
    }

    /// The digest of everything fed so far, in lowercase hex.
    func finalizeHex() -> String {
        let bytes: [UInt8]
        switch state {
        case .sha256(let digest): bytes = Array(digest.finalize())
        case .sha1(let digest): bytes = Array(digest.finalize())
        }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
