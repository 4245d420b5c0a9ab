/// Decides when an utterance may start playing so that, once it plays, it does not stop.
///
/// The model of what generation still does: first `p` seconds of compute that yield no audio
/// (`pendingComputeSeconds`: where the semantic stage is not paced, its remaining steps, which come
/// as one burst, and the coarse re-prefill that waits for them), then batches of `s` audio seconds each (`batchSeconds`), produced at
/// `r` compute seconds per audio second, until `a` seconds (`remainingSeconds`) exist. Playback
/// that starts now with `b` seconds held and plays at 1× reaches batch `k` at `p + r·k·s` and
/// has `b + (k − 1)·s` seconds to play until then, so it never stops if
/// `b ≥ p + s + (r − 1)·k·s` for every batch: the last one (`k·s = a`) when `r ≥ 1`, the next one
/// when `r < 1`. With `p = s = 0` that is the smooth-stream condition `b ≥ a · (r − 1)`.
///
/// Batches and bursts matter: without them, the live mode without fast start opened its gate on a
/// rate measured between two batches while semantic steps and a coarse re-prefill were still to
/// come before the next batch, and with one core busy 6 % of chunks came late (README, "The
/// router's benchmark").
///
/// The gate opens once that holds with a safety margin, corrected by what earlier utterances
/// turned out to need (`GaplessLeadLearning`), and never before `minimumLead` seconds are held
/// (the preset's minimum lead), or when the utterance is complete.
///
/// A value type used by the generation thread only.
public struct GaplessPlaybackGate: Sendable, Equatable {
    /// Seconds that must be held before playback starts, whatever the rate.
    public var minimumLead: Double
    /// Multiplies the predicted shortfall (covers rate jitter between chunks).
    public var safetyMargin: Double

    public init(minimumLead: Double = 0.2, safetyMargin: Double = 1.2) {
        self.minimumLead = max(0, minimumLead)
        self.safetyMargin = max(1, safetyMargin)
    }

    /// The seconds that must be held back before playback may start.
    ///
    /// - Parameters:
    ///   - remainingSeconds: audio still to generate (predicted), `a`.
    ///   - realTimeFactor: compute seconds per audio second of the batches, `r`; nil when nothing
    ///     is measured yet.
    ///   - pendingComputeSeconds: compute still to come that yields no audio before the next
    ///     batch, `p` (0 when that work is spread over the batches and so inside `r`).
    ///   - batchSeconds: audio seconds one batch brings, `s` (0: a smooth stream).
    ///   - correctionSeconds: seconds added to the prediction, negative to take off
    ///     (`GaplessLeadLearning.correction`).
    /// - Returns: nil when the gate must stay closed until the utterance is complete (no rate
    ///   known yet).
    public func requiredLead(remainingSeconds: Double, realTimeFactor: Double?, pendingComputeSeconds: Double = 0,
                             batchSeconds: Double = 0, correctionSeconds: Double = 0) -> Double? {
        guard let rate = realTimeFactor else { return nil }
        let a = max(0, remainingSeconds), r = max(0, rate)
        let s = min(max(0, batchSeconds), a)
        let worstBatch = r >= 1 ? a : s
        let shortfall = (max(0, pendingComputeSeconds) + s + (r - 1) * worstBatch) * safetyMargin
        return max(minimumLead, shortfall + correctionSeconds)
    }

    /// Whether playback may start with `bufferedSeconds` held (the arguments as in `requiredLead`).
    public func opens(bufferedSeconds: Double, remainingSeconds: Double, realTimeFactor: Double?, pendingComputeSeconds: Double = 0,
                      batchSeconds: Double = 0, correctionSeconds: Double = 0, complete: Bool) -> Bool {
        if complete { return true }
        guard let lead = requiredLead(remainingSeconds: remainingSeconds, realTimeFactor: realTimeFactor,
                                      pendingComputeSeconds: pendingComputeSeconds, batchSeconds: batchSeconds,
                                      correctionSeconds: correctionSeconds) else { return false }
        return bufferedSeconds >= lead
    }

    /// Predicted seconds of audio an utterance will have, from where generation stands: exact
    /// once the semantic stage finished (`semanticTokens / semanticRate`); before that the larger
    /// of what exists plus one second and a reading-speed estimate of the text (14 characters per
    /// second), bounded by the semantic token limit.
    public static func predictedSeconds(semanticTokens: Int, semanticFinished: Bool, semanticLimit: Int,
                                        semanticRate: Double, textCharacters: Int) -> Double {
        let so = Double(semanticTokens) / semanticRate
        if semanticFinished { return so }
        let limit = Double(semanticLimit) / semanticRate
        return min(limit, max(so + 1, Double(textCharacters) / 14))
    }
}
