import Tensors

/// Where a request is in its life.
public enum EngineRequestState: Sendable, Equatable {
    case queued
    case speaking
    case done
    /// Generation failed (or the stream ended under it); the reason is safe to show a client.
    case failed(reason: String)
    /// Dropped before it finished (the engine is shutting down or was cancelled).
    case cancelled(reason: String)

    /// `queued`, `speaking`, `done`, `failed` or `cancelled`.
    public var name: String {
        switch self {
        case .queued: return "queued"
        case .speaking: return "speaking"
        case .done: return "done"
        case .failed: return "failed"
        case .cancelled: return "cancelled"
        }
    }

    public var isFinal: Bool { self != .queued && self != .speaking }
}

/// What is known about one request.
public struct EngineRequestStatus: Sendable, Equatable {
    public var id: Int
    public var state: EngineRequestState
    public var priority: Int
    /// Requests ahead of it while queued (0: next), nil otherwise.
    public var position: Int?
    /// Seconds from `say` until its first sample was handed to the sink (playback start, after
    /// the gapless hold-back).
    public var timeToFirstAudio: Double?
    /// Seconds from `say` until its first audio existed (before the hold-back).
    public var timeToFirstGenerated: Double?
    /// Seconds of audio it produced so far (engine rate).
    public var audioSeconds: Double = 0
    /// Seconds of audio held back before playback started (the gapless lead), nil before.
    public var leadSeconds: Double?
    /// Output underruns (gaps) while this utterance was due, when the sink counts them; known
    /// once the next utterance starts or the stream ends.
    public var gaps: Int?
    /// Modalities that conditioned it through the adapters.
    public var conditioned: [String] = []
    /// The weight format it was spoken with (the router's lighter-weights step can change it),
    /// nil before it started.
    public var weights: WeightFormat?
}

/// Why `StreamingEngine.say` refused a request.
public enum EngineSayError: Error, Sendable, Equatable, CustomStringConvertible {
    case queueFull(capacity: Int)
    case closed(reason: String)
    public var description: String {
        switch self {
        case let .queueFull(capacity): return "the queue is full (\(capacity) requests waiting); try again later"
        case let .closed(reason): return reason
        }
    }
}
