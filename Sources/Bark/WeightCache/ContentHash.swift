/// A fast non-cryptographic 64-bit hash of bytes, to notice a changed or damaged file (not to
/// resist tampering): four independent multiply-rotate lanes over 8-byte words, the tail bytes
/// and the length folded in at the end. Deterministic across runs and machines of one byte order.
///
/// A value type; each hash is owned by one caller.
public struct ContentHash: Sendable {
    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344,
                                                          0xA409_3822_299F_31D0, 0x082E_FA98_EC4E_6C89)
    private var length: UInt64 = 0
    private static let prime: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init() {}

    /// The hash of `bytes` alone.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash = ContentHash()
        hash.combine(bytes)
        return hash.finalize()
    }

    /// Adds `bytes`. Hashing `a` then `b` equals hashing their concatenation only when `a.count`
    /// is a multiple of 32; callers hash whole buffers.
    public mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        var i = 0
        var (a, b, c, d) = lanes
        while i + 32 <= n {
            a = Self.round(a, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            b = Self.round(b, bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
            c = Self.round(c, bytes.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
            d = Self.round(d, bytes.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
            i += 32
        }
        while i < n {
            a = Self.round(a, UInt64(bytes[i]) &+ 0x100)
            i += 1
        }
        lanes = (a, b, c, d)
        length &+= UInt64(n)
    }

    /// The hash of everything combined so far.
    public func finalize() -> UInt64 {
        var h = length &* Self.prime
        for lane in [lanes.0, lanes.1, lanes.2, lanes.3] { h = Self.mix(h ^ Self.mix(lane)) }
        return h
    }

    private static func round(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        let x = (lane ^ word) &* prime
        return (x << 31) | (x >> 33)
    }

    /// A 64-bit finalizer (every input bit affects every output bit).
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}
