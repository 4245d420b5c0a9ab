import Bark
import Testing
@testable import OmniBark

/// The burst the gapless gate waits out when the semantic stage is not paced.
@Suite struct UtteranceWorkEstimateTests {
    @Test func theRemainingSemanticStepsAndOnePrefillAtTheirMeanCost() {
        var timings = GenerationTimings()
        timings.semantic = 1.2      // 200 tokens: 6 ms each
        timings.coarsePrefill = 0.9  // 2 passes: 0.45 s each
        timings.coarsePrefillPasses = 2
        let burst = UtteranceWorkEstimate.burst(remainingSemanticTokens: 50, semanticTokensSoFar: 200, timings: timings)
        #expect(abs(burst - (50 * 0.006 + 0.45)) < 1e-12)
        // No step left: no burst, and so no prefill waiting for one.
        #expect(UtteranceWorkEstimate.burst(remainingSemanticTokens: 0.4, semanticTokensSoFar: 200, timings: timings) == 0)
        // Nothing measured yet.
        #expect(UtteranceWorkEstimate.burst(remainingSemanticTokens: 50, semanticTokensSoFar: 0, timings: timings) == 0)
        // No prefill measured yet: the semantic steps alone.
        timings.coarsePrefillPasses = 0
        #expect(abs(UtteranceWorkEstimate.burst(remainingSemanticTokens: 50, semanticTokensSoFar: 200, timings: timings) - 0.3) < 1e-12)
    }
}
