import Foundation
import Testing
import TestSupport
@testable import Watermark

/// The detector on synthetic speech: marked excerpts are found with their payload, unmarked
/// ones and other keys' marks are not.
struct DetectorTests {
    static let key = try! WatermarkKey(bytes: (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
    static let settings = WatermarkSettings(key: key, modelID: 5, session: 201)

    @Test func marked3SecondExcerptsAreDetectedWithTheirPayload() throws {
        let detector = WatermarkDetector(key: Self.key)
        let marked = WatermarkEmbedder.embed(SyntheticAudio.speechLike(seconds: 12, seed: 21), settings: Self.settings)
        var random = SeededRandom(seed: 3)
        for _ in 0..<3 {
            let start = Int(random.uniform(0, Double(marked.count - 72_000)))
            let result = try detector.detect(Array(marked[start..<start + 72_000]), sampleRate: 24_000)
            #expect(result.detected, "score \(result.score)")
        }
        let whole = try detector.detect(marked, sampleRate: 24_000)
        #expect(whole.payload == Self.settings.payload)
        #expect(whole.markedSeconds.count >= 10, "\(whole.secondScores)")
    }

    @Test func unmarkedAudioAndOtherKeysAreNotDetected() throws {
        let detector = WatermarkDetector(key: Self.key)
        let other = WatermarkSettings(key: try WatermarkKey(bytes: [UInt8](repeating: 9, count: 32)), modelID: 5, session: 201)
        let signals = [SyntheticAudio.speechLike(seconds: 3, seed: 8), SyntheticAudio.noise(seconds: 3, seed: 9, pink: true),
                       SyntheticAudio.tones(seconds: 3, seed: 10),
                       WatermarkEmbedder.embed(SyntheticAudio.speechLike(seconds: 3, seed: 11), settings: other)]
        for signal in signals {
            let result = try detector.detect(signal, sampleRate: 24_000)
            #expect(!result.detected, "score \(result.score)")
            #expect(result.score < 4.5)
        }
    }

    /// The weighted union bound: the speed-1 alignments share 90 % of the false-alarm budget and
    /// the others 10 %, so the shares of all alignments add up to one (the bound stays a bound),
    /// and the reported probability is the best alignment's tail times its tier's factor.
    @Test func theFalseAlarmBudgetIsSplitBetweenTheSpeedTiers() throws {
        let detector = WatermarkDetector(key: Self.key)
        let perSpeed = Double(detector.alignmentCount / detector.speeds.count)
        let shares = detector.speeds.reduce(0.0) { $0 + perSpeed / detector.boundFactor(speed: $1) }
        #expect(abs(shares - 1) < 1e-12, "the alignments' shares add up to \(shares)")
        #expect(abs(detector.boundFactor(speed: 1) - 96 / 0.9) < 1e-9 && abs(detector.boundFactor(speed: 1.05) - 2304 / 0.1) < 1e-6)
        let (nominal, other) = detector.detectionScores
        #expect(abs((nominal ?? 0) - 4.81) < 0.01 && abs((other ?? 0) - 5.82) < 0.01, "\(String(describing: nominal)) \(String(describing: other))")
        // Only speed 1 searched: one tier with the whole budget (the plain union bound).
        let single = WatermarkDetector(key: Self.key, speeds: [1])
        #expect(single.nominalSpeedShare == 1 && single.boundFactor(speed: 1) == Double(single.alignmentCount))

        let marked = WatermarkEmbedder.embed(SyntheticAudio.speechLike(seconds: 3, seed: 30), settings: Self.settings)
        let noisy = marked.enumerated().map { $0.element + 0.05 * Float(sin(Double($0.offset) * 1.7)) }
        for signal in [marked, noisy] {
            let result = try detector.detect(signal, sampleRate: 24_000)
            let expected = min(1, detector.boundFactor(speed: result.speed) * exp(-result.score * result.score / 2))
            #expect(abs(result.falseAlarmProbability - expected) <= 1e-9 * max(expected, 1e-300), "\(result)")
        }
    }

    @Test func payloadRoundTripsThroughItsCodedBits() {
        for value in [UInt16(0), 1, 0xBEEF, 0xFFFF, 0x1234] {
            let payload = WatermarkPayload(value: value)
            #expect(WatermarkPayload(codedBits: payload.codedBits) == payload)
            var corrupted = payload.codedBits
            corrupted[Int(value % 24)].toggle()
            #expect(WatermarkPayload(codedBits: corrupted) == nil)
        }
        let fields = WatermarkPayload(keyID: 7, modelID: 12, session: 200)
        #expect(fields.keyID == 7 && fields.modelID == 12 && fields.session == 200)
    }
}
