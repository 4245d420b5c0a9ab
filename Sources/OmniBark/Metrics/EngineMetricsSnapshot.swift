/// What the engine knows at one moment, for `EngineMetrics.update(_:)`. Counts and totals are
/// cumulative since the engine started; the rest are current values.
public struct EngineMetricsSnapshot: Sendable, Equatable {
    /// Requests waiting to be spoken.
    public var queueDepth: Int = 0
    /// Whether an utterance is playing now.
    public var speaking: Bool = false
    /// Utterances spoken.
    public var utterances: Int = 0
    /// Requests received.
    public var requests: Int = 0
    /// Requests that failed (refused, invalid or failed during generation).
    public var failedRequests: Int = 0
    /// Seconds of audio generated.
    public var audioSeconds: Double = 0
    /// Seconds spent generating it (wall clock); the real-time factor is compute / audio.
    public var computeSeconds: Double = 0
    /// Seconds from the last utterance's request to its first audio, if one has played.
    public var lastTimeToFirstAudio: Double?
    /// Output buffer underruns.
    public var underruns: Int = 0
    /// Stream listeners connected now.
    public var listeners: Int = 0
    /// Listeners dropped because they could not keep up.
    public var listenerDrops: Int = 0
    /// Control events received, applied, dropped (late or over the limit) and malformed.
    public var eventsReceived: Int = 0
    public var eventsApplied: Int = 0
    public var eventsDropped: Int = 0
    public var eventsMalformed: Int = 0

    /// Router decisions by "step action" (e.g. "skip-modality apply").
    public var routerDecisions: [String: Int] = [:]
    /// Chunks due after playback started, and those late.
    public var chunksDue: Int = 0
    public var chunksLate: Int = 0

    public init() {}
}
