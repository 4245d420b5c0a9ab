import Modalities

/// Holds a latency budget by switching off what costs most and matters least, and switching it
/// back on when the machine recovers.
///
/// At each utterance start and chunk boundary the engine calls `decide`: with the cost model's
/// estimates the router predicts the compute seconds per audio second (`predictedRealTimeFactor`)
/// and the time to first audio of the current plan. While the prediction misses the budget —
/// real-time factor above `1 − margin`, or (at an utterance start) time to first audio above the
/// target — it applies the next available step in `order`. When the plan without its most recent
/// step is predicted to hold with `hysteresis` to spare and the last change is at least `dwell`
/// seconds old, it restores that step (one per call, most recent first), so it does not flap.
/// Required modalities are never skipped; modalities go in increasing priority.
///
/// A value type driven by one thread (the generation thread) with an injected clock, so tests
/// can run it deterministically.
public struct Router: Sendable {
    public var budget: EnginePreset.Latency
    public var order: [RouterStep]
    /// Head-room kept under real time (0.1: aim for a real-time factor of 0.9 or less).
    public var margin: Double
    /// Extra head-room required before restoring.
    public var hysteresis: Double
    /// Seconds between changes before a restore.
    public var dwell: Double
    public var costs: CostModel
    public private(set) var plan = RouterPlan()
    /// Applied steps, most recent last (restores pop from here).
    private var applied: [(step: RouterStep, before: RouterPlan)] = []
    private var lastChange = -Double.infinity
    /// Every decision taken, by step and action.
    public private(set) var counts: [String: Int] = [:]
    /// How much slower than the cost model the machine runs (measured over predicted real-time
    /// factor, at least 1). It rises at once with a slower measurement and falls back by a tenth
    /// of the difference per faster one, so a single quick chunk on a busy machine does not make
    /// the router restore a step it needs again at the next chunk (with one core busy the
    /// fine-context and fusion-layer steps were applied and restored four and five times per run).
    public private(set) var slowdown: Double = 1
    /// Share of the way `slowdown` moves down toward a lower measurement per call.
    static let slowdownRecovery = 0.1

    public init(budget: EnginePreset.Latency, order: [RouterStep] = RouterStep.defaultOrder, costs: CostModel = CostModel(),
                margin: Double = 0.1, hysteresis: Double = 0.15, dwell: Double = 2) {
        self.budget = budget
        self.order = order
        self.costs = costs
        self.margin = margin
        self.hysteresis = hysteresis
        self.dwell = dwell
    }

    /// Predicted compute seconds per audio second for `plan`; nil while the core stages have no
    /// estimate yet.
    public func predictedRealTimeFactor(_ plan: RouterPlan, _ capabilities: RouterCapabilities) -> Double? {
        guard let semantic = costs.estimate(.semanticStep), let coarse = costs.estimate(.coarseToken) else { return nil }
        let kept = capabilities.inputs.filter { !plan.skippedModalities.contains($0.modality) }
        let fusionLayers = kept.isEmpty ? 0 : Router.fusionLayersRun(plan, capabilities)
        // The lighter weights scale the decoding stages, which is what their cost was measured on
        // (`LighterWeights.measure`); the fine stage, the codec and the fusion layers are left as
        // they are.
        let decoding = plan.lighterWeights ? (capabilities.lighterWeightsCost ?? 1) : 1
        var total = 49.9 * (semantic * decoding + fusionLayers * (costs.estimate(.fusionLayerStep) ?? 0))
        // Rolling coarse: its own estimate (measured or calibrated), else no gain assumed.
        total += 150 * decoding * (plan.rollingCoarse ? (costs.estimate(.coarseTokenRolling) ?? coarse) : coarse)
        if let fine = costs.estimate(.fineFrame) { total += 75 * fine * Router.fineCostScale(plan, capabilities) }
        total += 75 * (costs.estimate(.codecFrame) ?? 0)
        total += encoderSeconds(plan, capabilities) / max(0.5, capabilities.utteranceSeconds)
        return total
    }

    /// Fusion layers run per semantic step on average under `plan`: the kept ones, plus the dropped
    /// ones for the share of steps inside control events' windows (none once control is skipped).
    public static func fusionLayersRun(_ plan: RouterPlan, _ capabilities: RouterCapabilities) -> Double {
        guard let kept = plan.fusionLayersKept, kept < capabilities.fusionLayers else { return Double(capabilities.fusionLayers) }
        let share = plan.skippedModalities.contains(.control) ? 0 : min(1, max(0, capabilities.controlWindowShare))
        return Double(kept) + Double(capabilities.fusionLayers - kept) * share
    }

    /// The fine stage's cost under `plan` relative to the configured one (the cost model keeps the
    /// configured stage's cost per frame): the positions a window reads scale with the context,
    /// the passes with the codebooks predicted beyond the coarse ones, and the coarse-only step
    /// runs no pass at all (0).
    public static func fineCostScale(_ plan: RouterPlan, _ capabilities: RouterCapabilities) -> Double {
        if plan.coarseOnly { return 0 }
        var scale = 1.0
        if let window = capabilities.fineWindow, let context = plan.fineContext {
            scale = Double(context + window.chunk + window.lookahead) / Double(window.context + window.chunk + window.lookahead)
        }
        if let codebooks = capabilities.fineCodebooks, let fewer = plan.fineCodebooks {
            let coarse = capabilities.coarseCodebooks ?? 2
            scale *= Double(max(1, fewer - coarse)) / Double(max(1, codebooks.all - coarse))
        }
        return scale
    }

    /// Predicted seconds spent encoding the kept modalities once per utterance.
    public func encoderSeconds(_ plan: RouterPlan, _ capabilities: RouterCapabilities) -> Double {
        capabilities.inputs.filter { !plan.skippedModalities.contains($0.modality) }
            .reduce(0) { $0 + (costs.estimate(.encoder($1.modality)) ?? 0) }
    }

    /// Predicted time to first audio at an utterance start: encoders, then the minimum lead at
    /// the predicted rate.
    public func predictedFirstAudio(_ plan: RouterPlan, _ capabilities: RouterCapabilities) -> Double? {
        guard let rate = predictedRealTimeFactor(plan, capabilities) else { return nil }
        return encoderSeconds(plan, capabilities) + max(budget.minLead, 0.5) * rate
    }

    private func holds(_ plan: RouterPlan, _ capabilities: RouterCapabilities, atStart: Bool, spare: Double) -> Bool {
        guard let rate = predictedRealTimeFactor(plan, capabilities) else { return true }
        if rate > 1 - margin - spare { return false }
        if atStart, let first = predictedFirstAudio(plan, capabilities), budget.targetFirstAudio > 0,
           first > budget.targetFirstAudio * (1 - spare) { return false }
        return true
    }

    /// Applies or restores steps as the prediction asks; returns what changed (empty: nothing).
    /// `measuredRealTimeFactor`, when given, updates `slowdown`, which scales every prediction
    /// while the machine is slower than the model thinks (e.g. another process took a core).
    public mutating func decide(now: Double, capabilities: RouterCapabilities, atUtteranceStart: Bool,
                                measuredRealTimeFactor: Double? = nil) -> [RouterDecision] {
        var decisions: [RouterDecision] = []
        if let measured = measuredRealTimeFactor, let predicted = predictedRealTimeFactor(plan, capabilities), predicted > 0 {
            let ratio = max(1, measured / predicted)
            slowdown = ratio >= slowdown ? ratio : slowdown + (ratio - slowdown) * Self.slowdownRecovery
        }
        let slowdown = self.slowdown
        func rate(_ p: RouterPlan) -> Double { (predictedRealTimeFactor(p, capabilities) ?? 0) * slowdown }
        func holdsScaled(_ p: RouterPlan, spare: Double) -> Bool {
            guard predictedRealTimeFactor(p, capabilities) != nil else { return true }
            if rate(p) > 1 - margin - spare { return false }
            return holds(p, capabilities, atStart: atUtteranceStart, spare: spare) || slowdown > 1 && rate(p) <= 1 - margin - spare
        }
        // Degrade while the budget is missed.
        while !holdsScaled(plan, spare: 0) {
            guard let (step, next, detail) = nextStep(capabilities) else { break }
            let before = rate(plan)
            applied.append((step, plan))
            plan = next
            lastChange = now
            let decision = RouterDecision(step: step, action: .apply, detail: detail, predictedBefore: before, predictedAfter: rate(plan), time: now)
            counts["\(step.rawValue) apply", default: 0] += 1
            decisions.append(decision)
        }
        if !decisions.isEmpty { return decisions }
        // Restore the most recent step when the plan without it holds with room to spare.
        if let last = applied.last, now - lastChange >= dwell, holdsScaled(last.before, spare: hysteresis) {
            let before = rate(plan)
            let detail = restoreDetail(last.step, from: plan, to: last.before)
            plan = last.before
            applied.removeLast()
            lastChange = now
            counts["\(last.step.rawValue) restore", default: 0] += 1
            decisions.append(RouterDecision(step: last.step, action: .restore, detail: detail, predictedBefore: before,
                                            predictedAfter: rate(plan), time: now))
        }
        return decisions
    }

    /// The next step in `order` that can still change something, with the plan it makes.
    private func nextStep(_ c: RouterCapabilities) -> (RouterStep, RouterPlan, String)? {
        for step in order {
            var next = plan
            switch step {
            case .skipModality:
                let candidates = c.inputs.filter { !$0.required && !plan.skippedModalities.contains($0.modality) }
                    .sorted { $0.priority != $1.priority ? $0.priority < $1.priority : $0.modality.rawValue > $1.modality.rawValue }
                guard let victim = candidates.first else { continue }
                next.skippedModalities.append(victim.modality)
                return (step, next, "skip \(victim.modality) (priority \(victim.priority))")
            case .dropFusionLayers:
                let kept = plan.fusionLayersKept ?? c.fusionLayers
                guard kept > 1, c.inputs.contains(where: { !plan.skippedModalities.contains($0.modality) }) else { continue }
                next.fusionLayersKept = max(1, kept / 2)
                return (step, next, "fusion layers \(kept) → \(max(1, kept / 2))")
            case .shorterFineContext:
                guard let window = c.fineWindow else { continue }
                let context = plan.fineContext ?? window.context
                guard context > c.minimumFineContext else { continue }
                next.fineContext = max(c.minimumFineContext, context / 2)
                return (step, next, "fine context \(context) → \(max(c.minimumFineContext, context / 2)) frames")
            case .fewerFineCodebooks:
                guard let codebooks = c.fineCodebooks else { continue }
                let current = plan.fineCodebooks ?? codebooks.all
                guard current > codebooks.fewest else { continue }
                next.fineCodebooks = max(codebooks.fewest, current - 2)
                return (step, next, "fine codebooks \(current) → \(max(codebooks.fewest, current - 2))")
            case .rollingCoarse:
                guard c.rollingCoarseAvailable, !plan.rollingCoarse else { continue }
                next.rollingCoarse = true
                return (step, next, "coarse stage continues its cache across windows")
            case .lighterWeights:
                // Only a format measured faster: one that is not would change the audio for nothing.
                guard let cost = c.lighterWeightsCost, cost < 1, !plan.lighterWeights else { continue }
                next.lighterWeights = true
                return (step, next, "lighter weight format")
            case .coarseOnly:
                guard let coarse = c.coarseCodebooks, !plan.coarseOnly else { continue }
                next.coarseOnly = true
                return (step, next, "fine stage off: the codec decodes the \(coarse) coarse codebooks alone")
            }
        }
        return nil
    }

    private func restoreDetail(_ step: RouterStep, from: RouterPlan, to: RouterPlan) -> String {
        switch step {
        case .skipModality:
            let back = from.skippedModalities.filter { !to.skippedModalities.contains($0) }
            return "restore \(back.map(\.description).joined(separator: ", "))"
        case .dropFusionLayers: return "fusion layers back to \(to.fusionLayersKept.map(String.init) ?? "all")"
        case .shorterFineContext: return "fine context back to \(to.fineContext.map { "\($0) frames" } ?? "as configured")"
        case .fewerFineCodebooks: return "fine codebooks back to \(to.fineCodebooks.map(String.init) ?? "all")"
        case .rollingCoarse: return "windowed coarse stage"
        case .lighterWeights: return "configured weight format"
        case .coarseOnly: return "fine stage back on"
        }
    }
}
