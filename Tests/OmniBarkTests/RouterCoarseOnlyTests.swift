import Bark
import Foundation
import Testing
@testable import OmniBark
import TestSupport

/// The router's last step, `coarse-only`: with every other step taken and the plan still too
/// slow, the fine stage is switched off and the codec decodes the coarse codebooks alone; the
/// fine stage's cost leaves the prediction, and what a shortened fine stage measures is scaled
/// back to the configured stage's cost.
@Suite struct RouterCoarseOnlyTests {
    static let directory = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled")

    static func capabilities() -> RouterCapabilities {
        var c = RouterPolicyTests.capabilities(required: .text)
        c.fineCodebooks = (all: 8, fewest: 4)
        c.coarseCodebooks = 2
        c.lighterWeightsCost = 0.6
        return c
    }

    @Test func itComesAfterTheLighterWeightsAndIsRestoredFirst() throws {
        let c = Self.capabilities()
        var router = Router(budget: RouterPolicyTests.budget, costs: RouterPolicyTests.costs(slower: 3), margin: 0.1, hysteresis: 0.05, dwell: 2)
        let taken = router.decide(now: 0, capabilities: c, atUtteranceStart: true)
        #expect(taken.map(\.step).suffix(4) == [.fewerFineCodebooks, .fewerFineCodebooks, .lighterWeights, .coarseOnly],
                "\(taken.map(\.description))")
        #expect(router.plan.coarseOnly && router.plan.fineCodebooks == 4)
        #expect(taken.last?.detail == "fine stage off: the codec decodes the 2 coarse codebooks alone")
        // The fine stage's whole cost (75 frames/s × 9 ms) leaves the prediction.
        var withFine = router.plan
        withFine.coarseOnly = false
        let fine = 75 * 0.009 * Router.fineCostScale(withFine, c)
        #expect(fine > 0)
        #expect(abs((router.predictedRealTimeFactor(withFine, c) ?? 0) - (router.predictedRealTimeFactor(router.plan, c) ?? 0) - fine) < 1e-9)

        router.costs = RouterPolicyTests.costs(slower: 0.2)
        let restored = router.decide(now: 3, capabilities: c, atUtteranceStart: false)
        #expect(restored.map(\.step) == [.coarseOnly] && restored.first?.detail == "fine stage back on" && !router.plan.coarseOnly)

        // Without a chunked fine stage (no coarse codebook count) the step is never offered.
        var exact = c
        exact.coarseCodebooks = nil
        var other = Router(budget: RouterPolicyTests.budget, costs: RouterPolicyTests.costs(slower: 3))
        _ = other.decide(now: 0, capabilities: exact, atUtteranceStart: true)
        #expect(!other.plan.coarseOnly)
    }

    @Test func theFineCostScaleFollowsContextCodebooksAndTheStep() throws {
        let c = Self.capabilities()  // window: chunk 32, lookahead 32, context 256; 8 codebooks, 2 coarse
        var plan = RouterPlan()
        #expect(Router.fineCostScale(plan, c) == 1)
        plan.fineContext = 64
        #expect(abs(Router.fineCostScale(plan, c) - 128.0 / 320) < 1e-12)
        plan.fineCodebooks = 4
        #expect(abs(Router.fineCostScale(plan, c) - 128.0 / 320 * 2 / 6) < 1e-12)
        plan.coarseOnly = true
        #expect(Router.fineCostScale(plan, c) == 0)
    }

    /// Speaks one sentence in live mode with the router on and every step's cost hopeless.
    static func speak(order: [RouterStep], fineCodebooks: Int?) throws -> ([Float], EngineStatistics) {
        let speech = try SpeechModel(directory: directory)
        let sink = CountingSink(sampleRate: speech.sampleRate)
        var configuration = EngineConfiguration()
        configuration.mode = .live
        configuration.live.fineCodebooks = fineCodebooks
        configuration.speech.greedy = true
        configuration.speech.maxSemanticTokens = 24
        configuration.gapless = nil
        configuration.router = RouterSettings(budget: EnginePreset.Latency(targetFirstAudio: 1, maxLag: 0.25, minLead: 0.2), order: order,
                                              costs: try CostProfile.parse(Data(RouterLighterWeightsTests.hopeless.utf8), file: "profile.json"))
        let engine = try StreamingEngine(model: speech, sink: sink, configuration: configuration)
        engine.start()
        _ = try engine.say(EngineRequest(text: "Hello there, how are you?"))
        let statistics = try engine.finish()
        return (sink.samples, statistics)
    }

    /// In the engine the step speaks the utterance from the coarse codebooks alone: the same
    /// samples as an engine configured for the coarse codebooks (`--fine-codebooks 2`), and not
    /// those of the fine stage at its floor of 4.
    @Test func theEngineSpeaksTheCoarseCodebooksAlone() throws {
        let (coarseOnly, statistics) = try Self.speak(order: RouterStep.defaultOrder, fineCodebooks: nil)
        #expect(statistics.routerDecisions["coarse-only apply"] == 1, "\(statistics.routerDecisions)")
        #expect(statistics.routerPlan?.contains("coarse only") == true, "\(statistics.routerPlan ?? "nil")")
        // Configured for the coarse codebooks, the fine stage predicts nothing: the step is not offered.
        let (configured, configuredStatistics) = try Self.speak(order: RouterStep.defaultOrder, fineCodebooks: 2)
        #expect(configuredStatistics.routerDecisions["coarse-only apply"] == nil, "\(configuredStatistics.routerDecisions)")
        #expect(!coarseOnly.isEmpty && coarseOnly == configured, "\(coarseOnly.count) samples against \(configured.count)")
        let (fine, _) = try Self.speak(order: RouterStep.defaultOrder.filter { $0 != .coarseOnly }, fineCodebooks: nil)
        #expect(fine != coarseOnly, "the fine stage changed nothing: the comparison above proves nothing")
    }
}
