import LiveControl

/// What the engine measured so far (a snapshot; see `StreamingEngine.statistics`).
public struct EngineStatistics: Sendable, Equatable {
    /// Utterances finished (requests done).
    public var utterances = 0
    /// Seconds from `say` to playback start, for the first utterance.
    public var timeToFirstAudio: Double?
    /// The same for the latest utterance.
    public var lastTimeToFirstAudio: Double?
    /// Seconds of audio produced (engine rate, before any resampling).
    public var audioSeconds: Double = 0
    /// Seconds the generation thread spent computing (conditioning, generation, codec,
    /// watermark); time spent waiting for room in the sink is not counted.
    public var computeSeconds: Double = 0
    /// Seconds spent encoding conditioning inputs (reference audio, image, style) and building
    /// the adapters' memory.
    public var conditioningSeconds: Double = 0
    /// Output underruns while audio was due (idle time between utterances is not counted), when
    /// the sink counts them.
    public var underruns = 0
    /// Server xruns, when the sink is JACK.
    public var xruns = 0
    /// Requests waiting (not counting the one being spoken).
    public var queued = 0
    /// Whether an utterance is being generated now.
    public var speaking = false
    /// Requests accepted so far.
    public var requests = 0
    /// Requests whose generation failed.
    public var failed = 0
    /// Requests dropped by a shutdown or cancel.
    public var cancelled = 0
    /// Live control events received, applied, dropped and malformed (zeros without an inbox).
    public var events = LiveEventCounters()
    /// Chunks handed to the sink after their utterance started playing, and how many of them
    /// arrived after the moment they were due to play (`deadlinesMet` = on time / due).
    public var chunksDue = 0
    public var chunksLate = 0
    /// Router decisions so far by "step action" (e.g. "skip-modality apply"); empty when off.
    public var routerDecisions: [String: Int] = [:]
    /// What the router has switched off now ("full" when nothing), nil when off.
    public var routerPlan: String?
    /// The router's latest prediction and the measured compute seconds per audio second.
    public var routerPredicted: Double?
    public var routerMeasured: Double?
    /// The correction the gapless gate adds to its predicted lead, learned from the lead each
    /// utterance needed (`GaplessLeadLearning.correction`, seconds; 0 without the gate).
    public var gaplessLeadLearning = GaplessLeadLearning()

    /// Share of chunks delivered before they were due (1 when none was due yet).
    public var deadlinesMet: Double { chunksDue > 0 ? Double(chunksDue - chunksLate) / Double(chunksDue) : 1 }

    /// Compute seconds per audio second (below 1 keeps up with playback).
    public var realTimeFactor: Double { audioSeconds > 0 ? computeSeconds / audioSeconds : 0 }
}
