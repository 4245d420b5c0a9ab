import Tensors

/// What a live coarse stream's KV cache holds beyond its positions.
struct LiveCoarseContinuation: Sendable, Equatable {
    /// Index (into voice history + output semantic tokens) one past the semantic context prefilled
    /// into the cache.
    let semanticEnd: Int
    /// True when that context reached past the end of a finished semantic stage (padded after it):
    /// it then never runs short of lookahead. Strictly past, so that a window prefilled while the
    /// semantic stage was still running (its context all real tokens) decides the same way offline.
    let coversSemanticEnd: Bool
}

extension CoarseStream {
    /// Live mode's `nextWindowLength`: a window that continues the cache needs nothing more from
    /// the semantic stage; one that must re-prefill needs the semantic context of its placement.
    func liveNextWindowLength(semantic: [Int], semanticFinished: Bool) -> Int? {
        let c = configuration.coarse
        guard let steps = windowSteps(semantic: semantic, semanticFinished: semanticFinished) else { return nil }
        if canContinue(steps: steps) || semanticFinished { return steps }
        let available = (history?.semantic.count ?? 0) + semantic.count
        return available >= liveContextStart() + c.maxInputLength ? steps : nil
    }

    /// Whether the next `steps` tokens can be decoded into the current cache (see
    /// `LiveCoarseSettings`): block size and semantic lookahead both allow it.
    func canContinue(steps: Int) -> Bool {
        guard let live, let continuation, !tokens.isEmpty else { return false }
        // The previous window's last token is fed first, then steps − 1 more.
        guard cache.count + steps <= min(cache.capacity, model.configuration.blockSize) else { return false }
        if continuation.coversSemanticEnd { return true }
        let ratio = configuration.semanticToCoarseRatio
        let semanticAfter = (history?.semantic.count ?? 0) + PythonArithmetic.round(Double(tokens.count + steps) / ratio)
        let minimum = live.minimumLookahead ?? LiveCoarseSettings.minimumExactLookahead(configuration)
        return continuation.semanticEnd - semanticAfter >= minimum
    }

    /// First semantic index of a live re-prefill's context: aligned with the start of its
    /// `live.history` coarse tokens of history. The first window uses the exact placement unless
    /// `live.liveFirstWindow`.
    func liveContextStart() -> Int {
        guard let live, !tokens.isEmpty || live.liveFirstWindow else { return contextStart() }
        return liveContextStart(afterTokens: tokens.count, live: live)
    }

    /// `liveContextStart` for a re-prefill after `count` generated coarse tokens.
    private func liveContextStart(afterTokens count: Int, live: LiveCoarseSettings) -> Int {
        let ratio = configuration.semanticToCoarseRatio
        let semanticHistory = Int((Double(min(live.history, configuration.coarse.maxHistory)) / ratio).rounded(.down))
        let semanticIndex = (history?.semantic.count ?? 0) + PythonArithmetic.round(Double(count) / ratio)
        return max(0, semanticIndex - semanticHistory)
    }

    /// Coarse tokens of history a live re-prefill reads (exact's for the first window unless
    /// `live.liveFirstWindow`).
    private func liveHistoryLength() -> Int {
        guard let live, !tokens.isEmpty || live.liveFirstWindow else { return configuration.coarse.maxHistory }
        return min(live.history, configuration.coarse.maxHistory)
    }

    /// `live.paceSemantic`'s target: the output semantic tokens a re-prefill one window from now
    /// would read (its context's end), or nil when not pacing. The streaming scheduler runs
    /// semantic steps before a coarse window while fewer exist (and the stage runs on). Not before
    /// the first window, which waits only for its own context: the ~20 steps pacing would add there
    /// then run before the second window, which waits for them in either case (the second batch
    /// of audio arrives at the same time), so the first audio comes ~20 steps earlier. (An earlier
    /// version paced before the first window too; 3 noisy rounds each on bark-small shapes, q4, fast
    /// start: first audio 1.11 → 1.04 s on AVX2 kernels and 0.94 → 0.86 s on VNNI, gapless start
    /// 1.18 → 1.23 s and 1.02 → 0.91 s, within this guest's noise.)
    public func semanticPacingTarget() -> Int? {
        guard let live, live.paceSemantic, !tokens.isEmpty else { return nil }
        let next = liveContextStart(afterTokens: tokens.count + configuration.coarse.windowLength, live: live)
        return next + configuration.coarse.maxInputLength - (history?.semantic.count ?? 0)
    }

    /// Live mode's `runWindow`.
    mutating func runLiveWindow(semantic semanticOutput: [Int], semanticFinished: Bool, timings: inout GenerationTimings,
                                progress: GenerationProgressHandler?) throws {
        guard let steps = liveNextWindowLength(semantic: semanticOutput, semanticFinished: semanticFinished) else { return }
        let c = configuration
        let total = semanticFinished ? targetLength(semantic: semanticOutput) : max(targetLength(semantic: semanticOutput), tokens.count + steps)
        if canContinue(steps: steps), let last = tokens.last {
            try model.forward(tokens: [last], cache: &cache, workspace: &workspace, lastPositionOnly: true,
                              logitRange: logitRange(forStep: 0))
        } else {
            let pad = c.coarse.semanticPadToken
            let semanticAll = (history?.semantic ?? []) + semanticOutput.map { $0 == c.semantic.eosToken ? pad : $0 }
            let start = liveContextStart()
            var input = start < semanticAll.count ? Array(semanticAll[start...].prefix(c.coarse.maxInputLength)) : []
            input += [Int](repeating: pad, count: c.coarse.maxInputLength - input.count)
            input.append(c.coarse.inferToken)
            input += PythonArithmetic.suffix((history?.coarse ?? []) + tokens, liveHistoryLength())
            cache.reset()
            try timings.measure(\.coarsePrefill) {
                try model.forward(tokens: input, cache: &cache, workspace: &workspace, lastPositionOnly: true,
                                  logitRange: logitRange(forStep: 0))
            }
            timings.coarsePrefillPasses += 1
            continuation = LiveCoarseContinuation(semanticEnd: start + c.coarse.maxInputLength,
                                                  coversSemanticEnd: semanticFinished && semanticAll.count < start + c.coarse.maxInputLength)
        }
        timings.coarseWindows += 1
        for step in 0..<steps {
            let token = chooseOrForce(step: step)
            tokens.append(token)
            progress?(GenerationProgress(stage: .coarse, completed: tokens.count, total: total))
            if step + 1 < steps {
                try model.forward(tokens: [token], cache: &cache, workspace: &workspace, lastPositionOnly: true,
                                  logitRange: logitRange(forStep: step + 1))
            }
        }
    }
}
