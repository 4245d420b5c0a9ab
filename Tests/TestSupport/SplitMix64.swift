/// SplitMix64: a small seeded generator, so every randomised test reproduces (one copy for every
/// test target).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A float uniform in [-1, 1) from the top 24 bits.
    public mutating func nextSignedFloat() -> Float {
        Float(next() >> 40) / Float(1 << 24) * 2 - 1
    }

    /// `count` floats uniform in [-scale, scale).
    public mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in nextSignedFloat() * scale }
    }
}
