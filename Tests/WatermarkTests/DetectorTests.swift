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
