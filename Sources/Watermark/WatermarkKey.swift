import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The secret that makes a mark: 32 random bytes. Whoever holds the key can embed and detect the
/// mark (and could remove it); without it the pattern is indistinguishable from noise.
///
/// A key file holds the 64 hexadecimal digits of the key on one line. `loadOrCreate` makes one
/// with mode 0600 (created exclusively, so two processes starting at once agree on one key)
/// the first time a path is used.
public struct WatermarkKey: Sendable, Equatable {
    /// Bytes in a key.
    public static let byteCount = 32

    public let bytes: [UInt8]

    /// - Parameter bytes: exactly 32 bytes.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else { throw WatermarkKeyError.wrongLength(path: nil, count: bytes.count) }
        self.bytes = bytes
    }

    /// A fresh key from the system's cryptographic random source.
    public static func random() -> WatermarkKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WatermarkKey(unchecked: bytes)
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// A 4-bit id of the key (0–15, the XOR of its bytes) carried in the payload: a hint for
    /// someone holding several keys about which one to try first.
    public var id: Int { Int(bytes.reduce(UInt8(0)) { $0 ^ $1 } & 0xF) }

    /// The key as 64 lowercase hexadecimal digits.
    public var hex: String { bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }

    /// The default key file: `$OMNIBARK_HOME/watermark.key` when `OMNIBARK_HOME` is set, otherwise
    /// `~/.config/omnibark/watermark.key`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["OMNIBARK_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent("watermark.key")
        }
        let user = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return user.appendingPathComponent(".config/omnibark/watermark.key")
    }

    /// Reads the key at `url`.
    public static func load(from url: URL) throws -> WatermarkKey {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WatermarkKeyError.unreadable(path: url.path, reason: ErrorMessage.reason(error))
        }
        guard let text = String(data: data, encoding: .utf8) else { throw WatermarkKeyError.malformed(path: url.path) }
        let digits = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard digits.count == 2 * byteCount, digits.allSatisfy(\.isHexDigit) else { throw WatermarkKeyError.malformed(path: url.path) }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { throw WatermarkKeyError.malformed(path: url.path) }
            bytes.append(byte)
            index = next
        }
        return WatermarkKey(unchecked: bytes)
    }

    /// Reads the key at `url`, or, when no file is there, creates one (mode 0600, its directory
    /// mode 0700 when created) holding a fresh random key.
    public static func loadOrCreate(at url: URL) throws -> WatermarkKey {
        if FileManager.default.fileExists(atPath: url.path) { return try load(from: url) }
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw WatermarkKeyError.uncreatable(path: url.path, reason: ErrorMessage.reason(error))
        }
        let key = random()
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { return try load(from: url) }  // another process created it first
            throw WatermarkKeyError.uncreatable(path: url.path, reason: ErrorMessage.posix(code))
        }
        let line = Array((key.hex + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let writeError = errno
        close(descriptor)
        guard written == line.count else {
            unlink(url.path)
            throw WatermarkKeyError.uncreatable(path: url.path, reason: written < 0 ? ErrorMessage.posix(writeError) : "short write")
        }
        return key
    }
}

/// Why a watermark key could not be read or created; each names the file.
public enum WatermarkKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String)
    case uncreatable(path: String, reason: String)
    case wrongLength(path: String?, count: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the watermark key \(path): \(reason)"
        case .malformed(let path):
            return "\(path) is not a watermark key: expected one line of 64 hexadecimal digits (32 bytes)"
        case .uncreatable(let path, let reason):
            return "cannot create the watermark key \(path): \(reason)"
        case .wrongLength(let path, let count):
            return "\(path.map { "\($0): " } ?? "")a watermark key has \(WatermarkKey.byteCount) bytes, not \(count)"
        }
    }
}
