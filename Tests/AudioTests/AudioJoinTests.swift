import Foundation
import Audio
import Testing
import TestSupport

@Suite("AudioJoin")
struct AudioJoinTests {
    private func maxStep(_ x: [Float]) -> Float { zip(x, x.dropFirst()).map { abs($1 - $0) }.max() ?? 0 }

    @Test("joining constant-level sines never steps further than the sines themselves", arguments: [0.0, 0.7, 1.9, 3.14159])
    func noClick(phase: Double) {
        let rate = 24_000
        let a = TestTools.sine(frequency: 440, sampleRate: rate, count: 2_345, amplitude: 0.5)
        let b = TestTools.sine(frequency: 440, sampleRate: rate, count: 3_000, amplitude: 0.5, phase: phase)
        let limit = max(maxStep(a), maxStep(b))
        let joined = AudioJoin.join([a, b], sampleRate: rate)
        #expect(joined.count == a.count + b.count - 240)
        #expect(maxStep(joined) <= limit * 1.000_001, "step \(maxStep(joined)) > \(limit)")
        #expect(joined.map(abs).max() ?? 0 <= 0.5)
        // Plain concatenation does click for most phases, so the test can fail.
        if phase > 1 { #expect(maxStep(a + b) > limit) }
    }

    @Test("segments shorter than the crossfade, empty segments and no crossfade")
    func edgeCases() {
        let rate = 1000 // 10 ms = 10 samples
        let long = [Float](repeating: 1, count: 20)
        let short: [Float] = [0, 0, 0]
        let joined = AudioJoin.join([long, [], short, long], sampleRate: rate)
        #expect(joined.count == 20 + 3 - 3 + 20 - 10)
        #expect(joined.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(AudioJoin.join([], sampleRate: rate).isEmpty)
        #expect(AudioJoin.join([short], sampleRate: rate) == short)
        #expect(AudioJoin.join([[1, 2], [3]], sampleRate: rate, crossfadeMilliseconds: 0) == [1, 2, 3])
        #expect(AudioJoin.join([[1, 2], [3]], sampleRate: rate, crossfadeMilliseconds: .nan) == [1, 2, 3])
        // Equal inputs stay equal through the fade (gains sum to 1).
        let flat = AudioJoin.join([long, long], sampleRate: rate)
        #expect(flat.allSatisfy { abs($0 - 1) < 1e-6 })
    }
}
