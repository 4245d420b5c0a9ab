/// Decides when an utterance may start playing so that, once it plays, it does not stop.
///
/// Generation runs at `r` compute seconds per audio second (measured in this utterance, else the
/// session's last rate). With `b` seconds held back and `a` seconds still to generate, playback
/// that starts now and plays at 1× runs dry before generation ends unless `b ≥ a · (r − 1)`: the
/// predicted time to finish (`a · r`) minus the audio that arrives meanwhile (`a`). The gate
/// opens once that holds with a safety margin, and never before `minimumLead` seconds are held
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
    ///   - remainingSeconds: audio still to generate (predicted).
    ///   - realTimeFactor: compute seconds per audio second; nil when nothing is measured yet.
    /// - Returns: nil when the gate must stay closed until the utterance is complete (no rate
    ///   known yet).
    public func requiredLead(remainingSeconds: Double, realTimeFactor: Double?) -> Double? {
        guard let rate = realTimeFactor else { return nil }
        let shortfall = max(0, remainingSeconds) * max(0, rate - 1) * safetyMargin
        return max(minimumLead, shortfall)
    }

    /// Whether playback may start with `bufferedSeconds` held.
    public func opens(bufferedSeconds: Double, remainingSeconds: Double, realTimeFactor: Double?, complete: Bool) -> Bool {
        if complete { return true }
        guard let lead = requiredLead(remainingSeconds: remainingSeconds, realTimeFactor: realTimeFactor) else { return false }
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
