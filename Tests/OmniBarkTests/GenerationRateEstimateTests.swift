import Testing
@testable import OmniBark

/// The gapless gate's rate: the session's before any audio, the whole utterance's until half a
/// second of audio exists after the first batch, then only what came after that batch.
@Suite struct GenerationRateEstimateTests {
    @Test func theStartupCostLeavesTheRateOnceHalfASecondFollowedTheFirstBatch() {
        var estimate = GenerationRateEstimate()
        #expect(estimate.rate(compute: 0.4, audio: 0, sessionRate: 0.9) == 0.9)
        #expect(estimate.rate(compute: 0.4, audio: 0, sessionRate: nil) == nil)
        // First batch: 0.2 s of audio after 1 s of compute (a fast start's first window).
        #expect(estimate.rate(compute: 1.0, audio: 0.2, sessionRate: nil) == 5)
        // 0.3 s later: still the whole utterance's rate.
        #expect(estimate.rate(compute: 1.24, audio: 0.5, sessionRate: nil) == 1.24 / 0.5)
        // 0.6 s after the first batch, produced with 0.48 s of compute: 0.8.
        let steady = estimate.rate(compute: 1.48, audio: 0.8, sessionRate: nil)
        #expect(abs((steady ?? 0) - 0.8) < 1e-12)
    }

    /// What the router measures with: nothing while the start's one-off work dominates.
    @Test func theSteadyRateExistsOnlyOnceHalfASecondFollowedTheFirstBatch() {
        var estimate = GenerationRateEstimate()
        _ = estimate.rate(compute: 1.0, audio: 0.2, sessionRate: 0.9)
        #expect(estimate.steadyRate == nil)
        _ = estimate.rate(compute: 1.24, audio: 0.5, sessionRate: 0.9)
        #expect(estimate.steadyRate == nil)
        _ = estimate.rate(compute: 1.48, audio: 0.8, sessionRate: 0.9)
        #expect(abs((estimate.steadyRate ?? 0) - 0.8) < 1e-12)
    }

    @Test func aTinyFirstBatchFallsBackToTheSessionRate() {
        var estimate = GenerationRateEstimate()
        #expect(estimate.rate(compute: 0.3, audio: 0.01, sessionRate: 1.1) == 1.1)
    }
}
