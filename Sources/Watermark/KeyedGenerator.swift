import Tensors

/// The keyed pseudo-random source of the watermark pattern: `SeededRandomGenerator`'s
/// xoshiro256** started from a state mixed out of a watermark key.
///
/// Thread safety: a value type; each copy is independent.
struct KeyedGenerator: RandomNumberGenerator, Sendable {
    private var generator: SeededRandomGenerator

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
        generator = SeededRandomGenerator(state: (splitMix(words[0]), splitMix(words[1]), splitMix(words[2]), splitMix(words[3])))
    }

    mutating func next() -> UInt64 { generator.next() }
}
