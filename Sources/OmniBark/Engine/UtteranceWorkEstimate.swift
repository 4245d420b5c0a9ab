import Bark

/// The work an utterance still does before its next audio when the semantic stage is not paced
/// (live mode without fast start, exact streaming): the gapless gate's `pendingComputeSeconds`.
///
/// Without pacing the scheduler runs semantic steps only when the coarse stage cannot start its
/// next window without them: a coarse re-prefill needs up to ~140 more semantic tokens, and they
/// come as one burst followed by that prefill, while no audio is made. On bark-small shapes with one
/// core busy that was 0.33 s of semantic steps (63 tokens) and a prefill in a 1.85 s gap between
/// two 0.85 s batches.
enum UtteranceWorkEstimate {
    /// Compute seconds predicted to come without audio: the semantic steps still to run, at this
    /// utterance's mean cost per step so far, and one coarse prefill at its mean cost so far; 0
    /// when no semantic step remains or nothing is measured yet.
    ///
    /// - Parameters:
    ///   - remainingSemanticTokens: semantic tokens predicted still to come (this segment's and
    ///     later segments').
    ///   - semanticTokensSoFar: semantic tokens of this utterance so far (all segments).
    ///   - timings: this utterance's stage timings so far (all segments).
    static func burst(remainingSemanticTokens: Double, semanticTokensSoFar: Int, timings: GenerationTimings) -> Double {
        guard remainingSemanticTokens >= 1, semanticTokensSoFar > 0 else { return 0 }
        let perToken = timings.semantic / Double(semanticTokensSoFar)
        let prefill = timings.coarsePrefillPasses > 0 ? timings.coarsePrefill / Double(timings.coarsePrefillPasses) : 0
        return remainingSemanticTokens * perToken + prefill
    }
}
