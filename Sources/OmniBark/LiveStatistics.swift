/// What the live engine measured so far.
public struct LiveStatistics: Sendable, Equatable {
    /// Utterances finished.
    public var utterances = 0
    /// Seconds from `say` to the first samples handed to the sink, for the first utterance.
    public var timeToFirstAudio: Double?
    /// Seconds of audio produced (at 24 kHz, before resampling).
    public var audioSeconds: Double = 0
    /// Seconds the generation thread spent computing (generation + codec + resampling).
    public var computeSeconds: Double = 0
    /// Output underruns (the sink ran dry while audio was still coming), when the sink counts them.
    public var underruns = 0
    /// Server xruns, when the sink is JACK.
    public var xruns = 0

    /// Compute seconds per audio second (below 1 keeps up with playback).
    public var realTimeFactor: Double { audioSeconds > 0 ? computeSeconds / audioSeconds : 0 }
}
