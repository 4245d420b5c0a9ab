import Foundation

/// Deterministic synthetic signals at 24 kHz for the evaluation's unmarked set and for tests that
/// must not depend on a speech synthesizer: speech-like babble, white and pink noise, and
/// tone sequences ("music").
public enum SyntheticAudio {
    /// Speech-like audio: a glottal pulse train (100–240 Hz with intonation) through three formant
    /// resonators that move every syllable (120–280 ms), with fricative noise and short pauses.
    public static func speechLike(seconds: Double, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        let rate = Double(WatermarkLayout.sampleRate)
        let count = Int(seconds * rate)
        var output = [Float](repeating: 0, count: count)
        var resonators = (0..<3).map { _ in Resonator() }
        var phase = 0.0
        var index = 0
        let basePitch = random.uniform(100, 200)
        while index < count {
            let length = Int(random.uniform(0.12, 0.28) * rate)
            let pause = random.uniform(0, 1) < 0.12
            let fricative = random.uniform(0, 1) < 0.2
            let formants = [random.uniform(300, 900), random.uniform(900, 2400), random.uniform(2400, 3600)]
            for (r, f) in zip(resonators.indices, formants) { resonators[r].tune(frequency: f, bandwidth: 80 + 40 * Double(r), rate: rate) }
            let pitch = basePitch * random.uniform(0.85, 1.2)
            for n in 0..<length where index < count {
                let envelope = pause ? 0 : sin(Double.pi * Double(n) / Double(length))
                var source: Double
                if fricative {
                    source = random.uniform(-1, 1) * 0.3
                } else {
                    phase += pitch * (1 + 0.03 * sin(Double(index) / rate * 2 * .pi * 5)) / rate
                    source = phase >= 1 ? 1 : 0
                    if phase >= 1 { phase -= 1 }
                    source += random.uniform(-1, 1) * 0.01
                }
                var y = 0.0
                for r in resonators.indices { y += resonators[r].process(source) }
                output[index] = Float(0.05 * envelope * y)
                index += 1
            }
        }
        return output
    }

    /// White noise (`pink == false`) or pink noise (Paul Kellet's filter), RMS about `level`.
    public static func noise(seconds: Double, seed: UInt64, pink: Bool, level: Float = 0.1) -> [Float] {
        var random = SeededRandom(seed: seed)
        var b = [Double](repeating: 0, count: 7)
        return (0..<Int(seconds * Double(WatermarkLayout.sampleRate))).map { _ in
            let white = random.uniform(-1, 1) * 3.0.squareRoot()
            guard pink else { return Float(white) * level }
            b[0] = 0.99886 * b[0] + white * 0.0555179
            b[1] = 0.99332 * b[1] + white * 0.0750759
            b[2] = 0.96900 * b[2] + white * 0.1538520
            b[3] = 0.86650 * b[3] + white * 0.3104856
            b[4] = 0.55000 * b[4] + white * 0.5329522
            b[5] = -0.7616 * b[5] - white * 0.0168980
            let pinkValue = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + white * 0.5362
            b[6] = white * 0.115926
            return Float(pinkValue * 0.2) * level
        }
    }

    /// "Music": a sequence of chords (three to five harmonic tones, 110–880 Hz fundamentals, with
    /// decaying notes of 150–600 ms), RMS about 0.1.
    public static func tones(seconds: Double, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        let rate = Double(WatermarkLayout.sampleRate)
        let count = Int(seconds * rate)
        var output = [Float](repeating: 0, count: count)
        var start = 0
        while start < count {
            let length = Int(random.uniform(0.15, 0.6) * rate)
            let notes = (0..<Int(random.uniform(3, 6))).map { _ in 110 * pow(2, (random.uniform(0, 36)).rounded() / 12) }
            for n in 0..<length where start + n < count {
                let t = Double(n) / rate
                var y = 0.0
                for f in notes {
                    for h in 1...6 where f * Double(h) < rate / 2 { y += sin(2 * .pi * f * Double(h) * t) / Double(h * h) }
                }
                output[start + n] = Float(0.08 * exp(-3 * t) * y)
            }
            start += length
        }
        return output
    }
}

/// A biquad band-pass resonator (constant peak gain).
private struct Resonator {
    private var b0 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0
    private var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    mutating func tune(frequency: Double, bandwidth: Double, rate: Double) {
        let w = 2 * Double.pi * frequency / rate
        let alpha = sin(w) * sinh(log(2) / 2 * (bandwidth / frequency) * w / sin(w))
        let a0 = 1 + alpha
        b0 = alpha / a0
        b2 = -alpha / a0
        a1 = -2 * cos(w) / a0
        a2 = (1 - alpha) / a0
    }

    mutating func process(_ x: Double) -> Double {
        let y = b0 * x + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1; x1 = x; y2 = y1; y1 = y
        return y
    }
}

/// SplitMix64 with uniform doubles: reproducible signals and excerpt positions.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }
}
