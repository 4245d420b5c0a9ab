/// An incremental SHA-1, used only to check small non-LFS files against their git blob id
/// (`oid` in a hub tree listing: SHA-1 of `"blob <size>\0"` followed by the content).
/// SHA-1 is not used for anything security-related here; LFS files are checked with SHA-256.
struct SHA1Digest: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0
    )
    private var blockBuffer = MessageBlockBuffer()

    init() {}

    /// Feeds more message bytes.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var copy = blockBuffer
        copy.absorb(bytes) { block in compress(block) }
        blockBuffer = copy
    }

    /// Feeds more message bytes.
    mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// Pads the message, and returns the digest as 40 lowercase hex digits.
    mutating func finalizeHex() -> String {
        var copy = blockBuffer
        copy.pad { block in compress(block) }
        blockBuffer = copy
        return [state.0, state.1, state.2, state.3, state.4].map { HexEncoding.word($0) }.joined()
    }

    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 { w[i] = block.loadBigEndianUInt32(at: i * 4) }
        for i in 16..<80 { w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotatedLeft(1) }
        var (a, b, c, d, e) = state
        for i in 0..<80 {
            let f: UInt32
            let k: UInt32
            switch i {
            case 0..<20: f = (b & c) | (~b & d); k = 0x5a82_7999
            case 20..<40: f = b ^ c ^ d; k = 0x6ed9_eba1
            case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8f1b_bcdc
            default: f = b ^ c ^ d; k = 0xca62_c1d6
            }
            let temp = a.rotatedLeft(5) &+ f &+ e &+ k &+ w[i]
            (e, d, c, b, a) = (d, c, b.rotatedLeft(30), a, temp)
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
    }
}
