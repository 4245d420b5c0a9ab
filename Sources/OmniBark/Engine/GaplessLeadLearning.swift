/// The correction the gapless gate adds to its predicted lead, learned from how much lead each
/// utterance turned out to need.
///
/// The gate's model (`GaplessPlaybackGate`) knows the batches' mean rate and the semantic stage's
/// burst. It does not know that batches are uneven: a 64-frame fine chunk with 16 frames of
/// lookahead needs two or three 30-frame coarse windows, and one of them a coarse re-prefill. Nor
/// does it know that a second core shared with other work makes one batch take twice as long as
/// the last. So each utterance measures what it needed: the lead held at the start minus the slack
/// of its tightest chunk (how long before it was due it arrived; negative: late, a gap on air).
/// The model's error is that minus the lead the model asked for, and the correction wanted is the
/// error plus `targetSlack`. It is taken at once when it is more than the correction now, and
/// approached by `release` of the difference per utterance when less. The correction may go below
/// zero: where the model asks for more than utterances need (with fast start and the second core
/// busy it asked for 1.6–2.2 s), playback then starts sooner; the gate's minimum lead still holds.
///
/// Measuring the error instead of the slack matters because the gate can only open when a batch
/// arrives: holding 2.56 s where 1.9 s was asked for leaves 0.66 s of slack that says nothing
/// about the model.
///
/// Measured on bark-small shapes, live mode without fast start, router on, one core busy
/// (`stress-ng --cpu 1`): with the semantic burst alone in the model it asked for 1.15 s where an
/// utterance needed 1.68 s; with the coarse re-prefill added it asks for 2.2–2.6 s, and the
/// correction ended 60 s runs between −0.4 and +0.25 s (README, "The router's benchmark").
///
/// A value type owned by the engine's statistics (read and written under its lock, by the
/// generation thread).
public struct GaplessLeadLearning: Sendable, Equatable {
    /// Slack wanted at each utterance's tightest chunk, seconds.
    public var targetSlack: Double
    /// Share of the difference given back per utterance when less lead is needed (0 … 1).
    public var release: Double
    /// The largest correction either way, seconds (an utterance complete before the gate opens
    /// plays anyway).
    public var maximum: Double
    /// Seconds added to the gate's predicted lead now (negative: taken off).
    public private(set) var correction: Double = 0

    public init(targetSlack: Double = 0.25, release: Double = 0.5, maximum: Double = 5) {
        self.targetSlack = max(0, targetSlack)
        self.release = min(1, max(0, release))
        self.maximum = max(0, maximum)
    }

    /// Learns from one utterance that played while it was generated.
    /// - Parameters:
    ///   - heldSeconds: audio held when playback started.
    ///   - predictedLead: the lead the gate's model asked for then (without `correction`).
    ///   - minimumSlack: seconds before it was due that the tightest later chunk arrived.
    public mutating func utteranceFinished(heldSeconds: Double, predictedLead: Double, minimumSlack: Double) {
        guard heldSeconds.isFinite, predictedLead.isFinite, minimumSlack.isFinite else { return }
        let needed = heldSeconds - minimumSlack
        let wanted = min(maximum, max(-maximum, needed - predictedLead + targetSlack))
        correction = wanted > correction ? wanted : correction + release * (wanted - correction)
    }
}
