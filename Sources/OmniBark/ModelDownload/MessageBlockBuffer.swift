/// The 64-byte block framing shared by SHA-1 and SHA-256: buffers a partial block between
/// `update` calls and appends the final padding with the message length in bits.
struct MessageBlockBuffer: Sendable {
    private var pending: [UInt8] = []
    private var messageLength: UInt64 = 0

    /// Hands every complete 64-byte block of `pending + bytes` to `compress`, keeping the rest.
    mutating func absorb(_ bytes: UnsafeRawBufferPointer, compress: (UnsafeRawBufferPointer) -> Void) {
        messageLength &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            if pending.count == 64 {
                pending.withUnsafeBytes { compress($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= 64 {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 64)]))
            offset += 64
        }
        if offset < bytes.count { pending.append(contentsOf: bytes[offset...]) }
    }

    /// Appends 0x80, zeros and the 64-bit big-endian bit length, compressing the last block(s).
    mutating func pad(compress: (UnsafeRawBufferPointer) -> Void) {
        let bitLength = messageLength &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                compress(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + 64)]))
                offset += 64
            }
        }
        pending.removeAll()
    }
}

extension UnsafeRawBufferPointer {
    /// The big-endian 32-bit word at `offset` (no alignment needed).
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}

extension UInt32 {
    func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
    func rotatedLeft(_ count: UInt32) -> UInt32 { (self << count) | (self >> (32 - count)) }
}

/// Lowercase hex formatting for digests.
enum HexEncoding {
    private static let digits = Array("0123456789abcdef".utf8)

    /// A 32-bit word as 8 hex digits, most significant first.
    static func word(_ value: UInt32) -> String {
        var out = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { out[i] = digits[Int((value >> UInt32(28 - 4 * i)) & 0xf)] }
        return String(decoding: out, as: UTF8.self)
    }
}
