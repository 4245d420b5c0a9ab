import Foundation
@testable import OmniBark
import Streaming
import Testing

/// The live reference window's encoder takes at most `maximumCoreShare` of a core: after an
/// encoding that took E seconds, the next waits for E / share seconds of new sound (the encoder is
/// driven here by `pump()` on the test's thread, with the fixture model's real EnCodec encoder).
@Suite struct LiveReferenceWindowShareTests {
    @Test func secondsBetweenRefreshesIsTheLargerOfRefreshAndTheShare() {
        #expect(LiveReferenceWindow.secondsBetweenRefreshes(refreshSeconds: 1, lastEncodeSeconds: 1.45, share: 0.25) == 5.8)
        #expect(LiveReferenceWindow.secondsBetweenRefreshes(refreshSeconds: 1, lastEncodeSeconds: 0.1, share: 0.25) == 1)
        #expect(LiveReferenceWindow.secondsBetweenRefreshes(refreshSeconds: 1, lastEncodeSeconds: 0, share: 0.25) == 1)
    }

    @Test func aSlowEncoderRefreshesLessOften() throws {
        let speech = try OmniLegacyCompatibilityTests.model()
        let rate = 24_000
        let ring = SPSCRingBuffer(capacity: 1 << 20)
        let window = LiveReferenceWindow(ring: ring, inputRate: rate, windowSeconds: 2, refreshSeconds: 0.05,
                                         maximumCoreShare: 0.01, codec: speech.codec)
        func push(_ seconds: Double) {
            let samples = (0..<Int(seconds * Double(rate))).map { Float(sin(Double($0) * 0.03)) * 0.3 }
            #expect(ring.write(samples) == samples.count)
        }
        push(1)
        #expect(window.pump(), "the first second is encoded at once")
        let encode = try #require(window.snapshot).encodeSeconds
        let wait = LiveReferenceWindow.secondsBetweenRefreshes(refreshSeconds: 0.05, lastEncodeSeconds: encode, share: window.maximumCoreShare)
        #expect(window.maximumCoreShare == 0.01 && wait > 0.05)
        push(wait / 2)  // plenty for the 0.05 s refresh, not for the share
        #expect(!window.pump(), "encoding took \(encode) s: the next waits for \(wait) s of sound")
        push(wait)
        #expect(window.pump())
        #expect(window.encoderTotals.encodings == 2)
    }
}
