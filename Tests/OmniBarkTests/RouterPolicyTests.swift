import Foundation
import Modalities
import Testing
@testable import OmniBark

/// The router's policy with injected costs and a fake clock: steps taken in order and undone in
/// reverse, required modalities kept, no flapping, a slower machine degrades.
@Suite struct RouterPolicyTests {
    static let budget = EnginePreset.Latency(targetFirstAudio: 10, maxLag: 0.25, minLead: 0.2)

    /// Semantic 4 ms + fusion 1 ms/layer, coarse 2 ms, fine 3 ms, codec 1 ms, image encoder 2 s.
    static func costs(slower: Double = 1) -> CostModel {
        CostModel(estimates: [.semanticStep: 0.004 * slower, .fusionLayerStep: 0.001 * slower, .coarseToken: 0.002 * slower,
                              .fineFrame: 0.003 * slower, .codecFrame: 0.001 * slower, .encoder(.image): 2 * slower,
                              .encoder(.audio): 0.5 * slower])
    }

    static func capabilities(required: Modality? = nil) -> RouterCapabilities {
        var c = RouterCapabilities()
        c.inputs = [.init(modality: .text, priority: 2, required: required == .text),
                    .init(modality: .audio, priority: 1, required: required == .audio),
                    .init(modality: .image, priority: 0, required: required == .image)]
        c.fusionLayers = 8
        c.fineWindow = (chunk: 32, lookahead: 32, context: 256)
        c.utteranceSeconds = 5
        return c
    }

    @Test func predictionAddsTheStages() throws {
        let router = Router(budget: Self.budget, costs: Self.costs())
        let c = Self.capabilities()
        // 49.9·(4 + 8·1) ms + 150·2 ms + 75·3 ms + 75·1 ms + (2 + 0.5) s / 5 s
        let expected = 49.9 * 0.012 + 0.3 + 0.225 + 0.075 + 0.5
        #expect(abs((router.predictedRealTimeFactor(RouterPlan(), c) ?? 0) - expected) < 1e-9)
    }

    @Test func stepsAreTakenInOrderAndUndoneInReverse() throws {
        var router = Router(budget: Self.budget, costs: Self.costs(slower: 1.1), margin: 0.1, hysteresis: 0.05, dwell: 2)
        let c = Self.capabilities()
        // 1.1× slower (1.87 predicted): modalities go first, lowest priority first, until it holds.
        let taken = router.decide(now: 0, capabilities: c, atUtteranceStart: true)
        #expect(taken.map(\.step) == [.skipModality, .skipModality, .skipModality], "\(taken.map(\.description))")
        #expect(router.plan.skippedModalities == [.image, .audio, .text])
        #expect(taken.allSatisfy { $0.action == .apply && $0.predictedAfter < $0.predictedBefore })
        #expect((router.predictedRealTimeFactor(router.plan, c) ?? 9) <= 0.9)

        // Much slower: no modality is left (so no fusion layer to drop): the fine context halves
        // down to its minimum, and the router stops there (nothing else is available).
        router.costs = Self.costs(slower: 1.6)
        let more = router.decide(now: 1, capabilities: c, atUtteranceStart: false)
        #expect(more.map(\.step) == [.shorterFineContext, .shorterFineContext, .shorterFineContext], "\(more.map(\.description))")
        #expect(router.plan.fineContext == 32)

        // The machine recovers: one restore per call, most recent first, only after the dwell.
        router.costs = Self.costs(slower: 0.5)
        #expect(router.decide(now: 1.5, capabilities: c, atUtteranceStart: false).isEmpty, "dwell not over")
        var restored: [RouterDecision] = []
        var now = 3.0
        while !router.plan.isFull, now < 60 {
            let step = router.decide(now: now, capabilities: c, atUtteranceStart: false)
            #expect(step.count <= 1)
            restored += step
            now += 2.5
        }
        #expect(restored.map(\.step) == [.shorterFineContext, .shorterFineContext, .shorterFineContext,
                                         .skipModality, .skipModality, .skipModality], "\(restored.map(\.description))")
        #expect(restored.map(\.detail).suffix(3) == ["restore text", "restore reference audio", "restore image"])
        #expect(restored.allSatisfy { $0.action == .restore })
        #expect(zip(restored, restored.dropFirst()).allSatisfy { $1.time - $0.time >= 2 }, "restores respect the dwell")
        #expect(router.plan.isFull)
        #expect(router.counts["skip-modality apply"] == 3 && router.counts["skip-modality restore"] == 3)
    }

    /// The lighter weight format is the last step, scales the decoding stages' part of the
    /// prediction, is taken only when it was measured faster, and is the first to be restored.
    @Test func lighterWeightsComeLastAndOnlyWhenFaster() throws {
        var c = Self.capabilities(required: .text)
        c.lighterWeightsCost = 0.6
        var router = Router(budget: Self.budget, costs: Self.costs(slower: 2), margin: 0.1, hysteresis: 0.05, dwell: 2)
        let taken = router.decide(now: 0, capabilities: c, atUtteranceStart: true)
        #expect(taken.last?.step == .lighterWeights && router.plan.lighterWeights, "\(taken.map(\.description))")
        #expect(taken.dropLast().allSatisfy { $0.step != .lighterWeights })
        var without = router.plan
        without.lighterWeights = false
        // Semantic 8 ms per step and coarse 4 ms per token (2× slower) scaled by 0.6.
        let decoding = 49.9 * 0.008 + 150 * 0.004
        let scaled = (router.predictedRealTimeFactor(without, c) ?? 0) - decoding * (1 - 0.6)
        #expect(abs((router.predictedRealTimeFactor(router.plan, c) ?? 0) - scaled) < 1e-9)

        // Recovered: the lighter weights go first.
        router.costs = Self.costs(slower: 0.3)
        let restored = router.decide(now: 3, capabilities: c, atUtteranceStart: false)
        #expect(restored.map(\.step) == [.lighterWeights] && restored.first?.action == .restore && !router.plan.lighterWeights)

        // A lighter format measured no faster is never taken.
        c.lighterWeightsCost = 1.05
        var slow = Router(budget: Self.budget, costs: Self.costs(slower: 2))
        _ = slow.decide(now: 0, capabilities: c, atUtteranceStart: true)
        #expect(!slow.plan.lighterWeights)
    }

    @Test func requiredModalitiesAreNeverSkipped() throws {
        var router = Router(budget: Self.budget, costs: Self.costs(slower: 5))
        let c = Self.capabilities(required: .image)
        _ = router.decide(now: 0, capabilities: c, atUtteranceStart: true)
        #expect(!router.plan.skippedModalities.contains(.image))
        #expect(router.plan.skippedModalities == [.audio, .text])
        // It went on to the other steps it could take, and stopped when none was left.
        #expect(router.plan.fusionLayersKept == 1)
        #expect(router.plan.fineContext == 32)
    }

    /// Near the threshold the router does not flap: after a skip it restores only once the
    /// prediction has the hysteresis to spare.
    @Test func hysteresisPreventsFlapping() throws {
        var router = Router(budget: Self.budget, costs: Self.costs(), margin: 0.1, hysteresis: 0.2, dwell: 0)
        var c = Self.capabilities()
        c.inputs = [.init(modality: .image, priority: 0, required: false)]
        c.utteranceSeconds = 2.3  // full plan predicts ≈ 1.47; without the image ≈ 0.60
        var decisions: [RouterDecision] = []
        for tick in 0..<20 { decisions += router.decide(now: Double(tick), capabilities: c, atUtteranceStart: false) }
        #expect(decisions.count == 1, "\(decisions.map(\.description))")
        // Costs drop a little: the full plan would predict 0.86 — under 0.9 but not under 0.7.
        router.costs = Self.costs(slower: 0.585)
        for tick in 20..<40 { decisions += router.decide(now: Double(tick), capabilities: c, atUtteranceStart: false) }
        #expect(decisions.count == 1, "restored without the hysteresis to spare: \(decisions.map(\.description))")
        router.costs = Self.costs(slower: 0.3)
        decisions += router.decide(now: 41, capabilities: c, atUtteranceStart: false)
        #expect(decisions.last?.action == .restore)
    }

    /// The measured rate stands in when it is worse than predicted (another process took a core).
    @Test func aSlowerMachineDegrades() throws {
        var router = Router(budget: Self.budget, costs: Self.costs(slower: 0.5))
        let c = Self.capabilities()
        #expect(router.decide(now: 0, capabilities: c, atUtteranceStart: false).isEmpty)
        let predicted = try #require(router.predictedRealTimeFactor(router.plan, c))
        let taken = router.decide(now: 1, capabilities: c, atUtteranceStart: false, measuredRealTimeFactor: predicted * 2.2)
        #expect(!taken.isEmpty && taken.first?.step == .skipModality)
    }

    /// On a busy machine one quick chunk between slow ones restores nothing: the slowdown falls
    /// back slowly, so steps are not applied and restored chunk after chunk. When the machine
    /// recovers for good, the steps come back.
    @Test func aBusyMachineWithAQuickChunkDoesNotFlap() throws {
        // 0.68 predicted with everything on: under the 0.75 a restore needs once the machine recovers.
        var router = Router(budget: Self.budget, costs: Self.costs(slower: 0.4))
        let c = Self.capabilities()
        var decisions: [RouterDecision] = []
        func measure(_ factor: Double) -> Double { (router.predictedRealTimeFactor(router.plan, c) ?? 0) * factor }
        let first = measure(1.9)
        decisions += router.decide(now: 0, capabilities: c, atUtteranceStart: false, measuredRealTimeFactor: first)
        let applied = decisions.count
        #expect(applied > 0)
        for tick in 1..<40 {  // slow, quick, slow, quick … (the dwell is 2 s)
            let measured = measure(tick % 2 == 0 ? 1.9 : 1.0)
            decisions += router.decide(now: Double(tick), capabilities: c, atUtteranceStart: false, measuredRealTimeFactor: measured)
        }
        #expect(!decisions.contains { $0.action == .restore }, "\(decisions.map(\.description))")
        #expect(router.slowdown > 1.5, "\(router.slowdown)")
        // The machine recovers: the slowdown decays and the steps are restored, most recent first.
        for tick in 40..<200 {
            let measured = measure(1.0)
            decisions += router.decide(now: Double(tick), capabilities: c, atUtteranceStart: false, measuredRealTimeFactor: measured)
        }
        #expect(decisions.filter { $0.action == .restore }.count == applied, "\(decisions.map(\.description))")
        #expect(router.plan == RouterPlan())
    }

    /// A slow encoder breaks the time-to-first-audio target at an utterance start even when the
    /// rate is fine: the modality is skipped.
    @Test func aSlowEncoderIsSkippedForTheFirstAudioTarget() throws {
        var costs = Self.costs(slower: 0.2)
        costs.observe(.encoder(.image), seconds: 30)  // a very slow CLIP tower
        var router = Router(budget: EnginePreset.Latency(targetFirstAudio: 1, maxLag: 0.25, minLead: 0.2), costs: costs)
        var c = Self.capabilities()
        c.utteranceSeconds = 600  // the rate does not suffer from it
        let taken = router.decide(now: 0, capabilities: c, atUtteranceStart: true)
        #expect(taken.first?.detail.contains("image") == true, "\(taken.map(\.description))")
    }

    @Test func costProfilesRoundTripAndRefuseBadFields() throws {
        let json = CostProfile.json(Self.costs(), description: "test")
        let loaded = try CostProfile.parse(Data(json.utf8), file: "p.json")
        #expect(loaded.estimate(.encoder(.image)) == 2)
        #expect(loaded.estimate(.semanticStep) == 0.004)
        #expect(throws: CostProfileError.self) { try CostProfile.parse(Data(#"{"costs": {"warp_drive": 1}}"#.utf8), file: "p.json") }
        do {
            _ = try CostProfile.parse(Data(#"{"costs": {"coarse_token": -1}}"#.utf8), file: "p.json")
            Issue.record("a negative cost was accepted")
        } catch let error as CostProfileError {
            #expect(error.description.contains("costs.coarse_token"))
        }
    }
}
