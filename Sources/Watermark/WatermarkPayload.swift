/// The 16 bits a mark carries: a 4-bit key id, a 4-bit model id and an 8-bit session number.
/// On air they are followed by a CRC-8 (polynomial 0x07), 24 coded bits in all, so a payload
/// read from a weak or unmarked signal is rejected rather than reported wrong.
public struct WatermarkPayload: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The 16 payload bits: key id in bits 12–15, model id in 8–11, session in 0–7.
    public let value: UInt16

    /// Coded bits on air (16 payload + 8 CRC).
    public static let codedBitCount = 24

    public init(value: UInt16) { self.value = value }

    /// Packs the fields; each is truncated to its width (key id and model id: 0–15, session: 0–255).
    public init(keyID: Int, modelID: Int, session: Int) {
        value = UInt16(truncatingIfNeeded: (keyID & 0xF) << 12 | (modelID & 0xF) << 8 | (session & 0xFF))
    }

    public var keyID: Int { Int(value >> 12) }
    public var modelID: Int { Int(value >> 8) & 0xF }
    public var session: Int { Int(value) & 0xFF }

    /// "0x1a2b (key 1, model 10, session 43)".
    public var description: String {
        "0x" + String(value, radix: 16).leftPadded(to: 4) + " (key \(keyID), model \(modelID), session \(session))"
    }

    /// The 24 coded bits, most significant first: the payload then its CRC-8.
    var codedBits: [Bool] {
        let crc = Self.crc8(value)
        let word = UInt32(value) << 8 | UInt32(crc)
        return (0..<Self.codedBitCount).map { word >> (Self.codedBitCount - 1 - $0) & 1 == 1 }
    }

    /// The payload whose coded bits are `bits`, or nil when the CRC does not match.
    init?(codedBits bits: [Bool]) {
        guard bits.count == Self.codedBitCount else { return nil }
        let word = bits.reduce(UInt32(0)) { $0 << 1 | ($1 ? 1 : 0) }
        let value = UInt16(truncatingIfNeeded: word >> 8)
        guard UInt8(truncatingIfNeeded: word) == Self.crc8(value) else { return nil }
        self.value = value
    }

    static func crc8(_ value: UInt16) -> UInt8 {
        var crc: UInt8 = 0
        for byte in [UInt8(value >> 8), UInt8(value & 0xFF)] {
            crc ^= byte
            for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x07 : crc << 1 }
        }
        return crc
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
