/// The generation speed the gapless gate predicts with: compute seconds per audio second of one
/// utterance, measured **after its first audio** once enough of that exists.
///
/// An utterance's first audio carries one-off work — the semantic stage running ahead of the
/// coarse stage, the first prefills — that later audio does not: measured over the whole
/// utterance, the rate looks several times slower than generation runs from then on (a fast
/// start's first 14 frames come after ~1 s of compute), and the gate held playback for seconds
/// while generation was already faster than real time. From `steadyAudioSeconds` of audio after
/// the first batch on, the rate is the compute spent since that batch over the audio produced
/// since; before that, the whole utterance's rate (the conservative reading), or the session's last
/// rate before any audio exists.
///
/// The latency router reads `steadyRate` only: nil until that steady window exists. It read the
/// whole utterance's rate before, and on bark-small shapes with fast start each utterance's first
/// chunks "measured" 4–9 times real time against 0.7 once generation ran: it applied every step at
/// each utterance's start and restored them one by one afterwards (four apply/restore pairs of
/// the fine context in a 30 s run).
///
/// A value type owned by the generation thread.
struct GenerationRateEstimate: Sendable {
    /// Audio after the first batch needed before the rate since that batch is trusted.
    /// 0.5 s: the live engine bench on bark-small shapes (`--fast-start`, 30 s, 5 utterances) had
    /// one gap with 0.25 s, none with 0.5 s (first audio 2.1–2.2 s) or 1 s (2.7–2.9 s).
    var steadyAudioSeconds = 0.5
    private var atFirstAudio: (compute: Double, audio: Double)?
    /// The rate since the first batch, once `steadyAudioSeconds` of audio followed it; else nil.
    private(set) var steadyRate: Double?

    /// The rate to predict with, after a batch has been produced.
    /// - Parameters:
    ///   - compute: compute seconds of this utterance so far (its one-off encoding left out).
    ///   - audio: audio seconds produced so far, the new batch included.
    ///   - sessionRate: the session's last measured rate, or nil.
    mutating func rate(compute: Double, audio: Double, sessionRate: Double?) -> Double? {
        guard audio > 0 else { return sessionRate }
        guard let first = atFirstAudio else {
            atFirstAudio = (compute, audio)
            return audio > 0.05 ? compute / audio : sessionRate
        }
        let steadyAudio = audio - first.audio
        if steadyAudio >= steadyAudioSeconds {
            steadyRate = max(0, compute - first.compute) / steadyAudio
            return steadyRate
        }
        return compute / audio
    }
}
