/// xoshiro256** seeded from a watermark key: the keyed pseudo-random source of the pattern.
///
/// Thread safety: a value type; each copy is independent.
struct KeyedGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds from 32 key bytes (mixed with SplitMix64, so a key of zeros still gives a valid state)
    /// and a domain tag, so different uses of one key draw independent streams.
    init(key: [UInt8], domain: UInt64) {
        var words = [UInt64](repeating: 0, count: 4)
        for (index, byte) in key.enumerated() { words[(index / 8) % 4] |= UInt64(byte) << (8 * UInt64(index % 8)) }
        var mix = domain &* 0x9E37_79B9_7F4A_7C15
        func splitMix(_ value: UInt64) -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15 ^ value
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(words[0]), splitMix(words[1]), splitMix(words[2]), splitMix(words[3]))
    }

    mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
