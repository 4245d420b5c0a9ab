import Bark
import Checkpoints
import Foundation
import LiveControl
import Modalities
import Tensors

/// The latency router inside the engine (`EngineConfiguration.router`): consulted at each
/// utterance start (which modalities to encode, how many fusion layers, the fine context) and at
/// each chunk boundary (modalities and fusion layers of the running utterance), fed with what the
/// engine measures after each utterance. Every decision is logged, written to the event log
/// (source `router`), counted in the statistics and shown by `/status` and `/metrics`.
extension StreamingEngine {
    /// Seconds since the engine was made (the router's clock).
    var routerClock: Double { Double(DispatchTime.now().uptimeNanoseconds - createdAt) / 1e9 }

    /// What this utterance lets the router change.
    func routerCapabilities(_ bundle: ModalityBundle, textCharacters: Int) -> RouterCapabilities {
        var c = RouterCapabilities()
        if let adapters = model.adapters {
            let required = configuration.router?.required ?? []
            c.inputs = bundle.presentModalities.map {
                .init(modality: $0, priority: bundle.routing[$0].priority, required: required.contains($0))
            }
            c.fusionLayers = adapters.layers.count
        }
        c.utteranceSeconds = max(1, Double(textCharacters) / 14)
        if let adapters = model.adapters, !bundle.controlEvents.isEmpty, bundle.routing[.control].weight > 0 {
            let rate = model.speech.generator.configuration.semantic.rateHz
            let windows = ControlEventWindows(events: bundle.controlEvents, rules: adapters.configuration.clockHolds ?? [],
                                              unitsPerSecond: rate)
            c.controlWindowShare = windows.share(ofFirst: Int((c.utteranceSeconds * rate).rounded(.up)))
        }
        if case let .chunked(chunk, lookahead, context) = configuration.effectiveFineMode {
            c.fineWindow = (chunk: chunk, lookahead: lookahead, context: context)
            // Down to 4 codebooks (EnCodec at 3 kbit/s), or what is configured when that is fewer.
            let all = configuration.effectiveFineCodebooks ?? model.speech.generator.configuration.fine.codebooks
            c.fineCodebooks = (all: all, fewest: min(all, 4))
            // The fine stage can be switched off when it predicts anything (not with --fine-codebooks 2).
            let coarse = model.speech.generator.configuration.coarse.codebooks
            if all > coarse { c.coarseCodebooks = coarse }
        }
        // In exact mode the live mode's coarse shortcut is one more step.
        c.rollingCoarseAvailable = configuration.coarseLive == nil
        c.lighterWeightsCost = configuration.router?.lighter?.relativeCost
        return c
    }

    /// At an utterance start: the plan to use (nil when the router is off).
    func routeUtteranceStart(_ capabilities: RouterCapabilities) -> RouterPlan? {
        guard var router else { return nil }
        let measured = condition.withLock { stats.realTimeFactor > 0 ? stats.realTimeFactor : nil }
        let decisions = router.decide(now: routerClock, capabilities: capabilities, atUtteranceStart: true, measuredRealTimeFactor: measured)
        self.router = router
        record(decisions, capabilities: capabilities, measured: measured)
        return router.plan
    }

    /// At a chunk boundary: applies changes to the running utterance's conditioning; true when
    /// it changed (the next semantic step takes the new conditioning).
    func routeChunk(_ context: inout UtteranceContext, measured: Double?) -> Bool {
        guard var router, let capabilities = context.routerCapabilities else { return false }
        let decisions = router.decide(now: routerClock, capabilities: capabilities, atUtteranceStart: false, measuredRealTimeFactor: measured)
        self.router = router
        guard !decisions.isEmpty else { return false }
        record(decisions, capabilities: capabilities, measured: measured)
        do {
            try context.conditioning.apply(skipping: Set(router.plan.skippedModalities), fusionLayers: router.plan.fusionLayersKept)
            return true
        } catch {
            log("router: could not rebuild the conditioning: \(ErrorMessage.describe(error))")
            return false
        }
    }

    private func record(_ decisions: [RouterDecision], capabilities: RouterCapabilities, measured: Double?) {
        guard let router else { return }
        let predicted = router.predictedRealTimeFactor(router.plan, capabilities)
        condition.withLock {
            stats.routerDecisions = router.counts
            stats.routerPlan = Self.describe(router.plan, lighterFormat: configuration.router?.lighter?.format)
            stats.routerPredicted = predicted
            if let measured { stats.routerMeasured = measured }
        }
        guard !decisions.isEmpty else { return }
        let frame = Int(Double(playedSamples()) / Double(model.speech.sampleRate) * ControlEvent.frameRate)
        for decision in decisions {
            log("router: \(decision)" + (measured.map { String(format: "; measured %.2f", $0) } ?? ""))
            try? configuration.events?.log?.write(LiveEventLogLine(
                source: .router, kind: "\(decision.step.rawValue) \(decision.action.rawValue)",
                payload: .string(decision.detail + String(format: " (predicted %.2f → %.2f%@)", decision.predictedBefore, decision.predictedAfter,
                                                         measured.map { String(format: ", measured %.2f", $0) } ?? "")),
                receivedSample: playedSamples(), outcome: .applied(frame: frame, latencyMs: 0)))
        }
    }

    /// The model an utterance speaks with: the lighter weights while the router's step is applied.
    func speechModel(for plan: RouterPlan?) -> (model: SpeechModel, lighter: Bool) {
        if plan?.lighterWeights == true, let lighter = configuration.router?.lighter { return (lighter.speech, true) }
        return (model.speech, false)
    }

    /// Feeds what one utterance measured into the cost model (on the lighter weights, the decoding
    /// stages scaled back to the loaded format by their relative cost: the model keeps the loaded
    /// format's costs, and the router scales the same stages when it predicts the step).
    /// `fineScale` is the plan's `Router.fineCostScale`: the fine stage's measured time is divided
    /// by it (a shortened context or fewer codebooks measured as the configured stage's cost), and
    /// not observed at all when the stage was off (0), so that the estimate the router restores
    /// steps with stays the configured stage's.
    func observeCosts(_ measured: GenerationTimings, semanticTokens: Int, coarseTokens: Int, frames: Int,
                      conditioning: UtteranceConditioning, rollingCoarse: Bool, lighterWeights: Bool, fineScale: Double = 1) {
        guard var router else { return }
        var timings = measured
        if lighterWeights, let cost = configuration.router?.lighter?.relativeCost {
            timings.semantic /= cost
            timings.coarse /= cost
        }
        let rate = model.speech.generator.configuration.semantic.rateHz
        let fusionLayers = conditioning.conditioning?.layersRun(overFirst: semanticTokens, unitsPerSecond: rate) ?? 0
        let fusionPerStep = fusionLayers * (router.costs.estimate(.fusionLayerStep) ?? 0)
        if semanticTokens > 0 {
            router.costs.observe(.semanticStep, seconds: max(0, timings.semantic / Double(semanticTokens) - fusionPerStep))
        }
        router.costs.observe(rollingCoarse ? .coarseTokenRolling : .coarseToken, seconds: timings.coarse, units: Double(coarseTokens))
        if fineScale > 0 { router.costs.observe(.fineFrame, seconds: timings.fine / fineScale, units: Double(frames)) }
        router.costs.observe(.codecFrame, seconds: timings.codec, units: Double(frames))
        for (modality, seconds) in conditioning.encoderSeconds { router.costs.observe(.encoder(modality), seconds: seconds) }
        self.router = router
    }

    /// "full", or what is off: "skip image, audio; fusion 2; fine context 64; lighter weights (q4)".
    static func describe(_ plan: RouterPlan, lighterFormat: WeightFormat? = nil) -> String {
        if plan.isFull { return "full" }
        var parts: [String] = []
        if !plan.skippedModalities.isEmpty { parts.append("skip " + plan.skippedModalities.map(\.routingName).joined(separator: ", ")) }
        if let layers = plan.fusionLayersKept { parts.append("fusion layers \(layers)") }
        if let context = plan.fineContext { parts.append("fine context \(context)") }
        if let codebooks = plan.fineCodebooks { parts.append("fine codebooks \(codebooks)") }
        if plan.rollingCoarse { parts.append("rolling coarse") }
        if plan.coarseOnly { parts.append("coarse only") }
        if plan.lighterWeights { parts.append("lighter weights" + (lighterFormat.map { " (\($0.rawValue))" } ?? "")) }
        return parts.joined(separator: "; ")
    }
}
