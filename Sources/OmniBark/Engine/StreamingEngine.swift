import Audio
import Bark
import Checkpoints
import Foundation
import LiveControl
import Modalities
import Streaming

/// The one engine behind `omnibark live`, `omnibark serve` and the Swift API: a generation
/// thread speaks queued requests into a sink while generating them.
///
/// - **Requests** (`EngineRequest`) carry text and any other modality (style instruction,
///   reference audio, image, control events, routing), their own voice, seed and priority; a
///   higher priority jumps the queue (equal priorities keep their order). Long text is split at
///   sentence boundaries, each segment continuing the previous one's voice.
/// - **Conditioning**: with adapters (`OmniModel.adapters`), the memory is built once per
///   utterance and the fusion block runs inside the streaming semantic stage, so streaming
///   tokens equal `OmniModel.generateAudio`'s for the same seed and inputs.
/// - **Playback** is gapless (`EngineConfiguration.gapless`): an utterance starts playing once
///   the audio held covers what generation still needs at the measured rate.
/// - **Failures stay with their request**: it is marked `failed` with the reason (and logged at
///   once), and the queue goes on. Only a failure of the sink itself ends the stream; every
///   request still waiting is then failed with that reason and `say` refuses new ones.
/// - `finish`, `shutdown` and `cancel` may be called in any order, from any thread, any number of
///   times, with or without `start`: the first decides how the stream ends, the others wait for
///   that end and return the same outcome.
///
/// The sink takes the model's rate through `ResamplingSink.adapt` (the streaming path's one rate
/// converter); the engine itself never resamples.
///
/// Thread safety: the queue, the request records, the session conditioning, the written-sample
/// count, the closing state (reason, finish time) and the statistics are guarded by one condition lock; the sink, the current utterance,
/// the live events waiting for their step and the router are used only by the generation thread
/// (or, when the engine never started, by the one call that ends it).
public final class StreamingEngine: @unchecked Sendable {
    /// Request records kept for `status(of:)` after they end (the oldest are forgotten first).
    public static let finishedRecordsKept = 1024

    public let model: OmniModel
    public let configuration: EngineConfiguration
    /// What the engine writes into: the caller's sink, adapted to the model's rate.
    let sink: any AudioSink
    /// The sink's playback clock, when it has one (JACK, the real-time Opus stream).
    let clock: (any PlaybackClock)?

    let condition = NSCondition()
    var queue: [QueueItem] = []
    var records: [Int: EngineRequestStatus] = [:]
    private var finishedOrder: [Int] = []
    private var nextID = 1
    var stats = EngineStatistics()
    enum Phase { case idle, running, ending, ended }
    var phase = Phase.idle
    var closedReason: String?
    /// When `finish()` was called (uptime, ns): the queued speech plays to its end, and live `say`
    /// events received before then (still in the inbox) join the queue instead of being refused.
    var finishCalledUptimeNanos: UInt64?
    var stopCurrent = false
    var cancelsSink = false
    var failure: (any Error)?
    /// Session conditioning (live events change it).
    var sessionRouting: ModalityRouting
    var sessionStyle: String?
    /// Samples (model rate) handed to the sink so far.
    var writtenSamples = 0
    /// The utterance that played last, with the sink's underrun count when it started (its gaps
    /// are known once the next one starts or the stream ends).
    var lastPlayed: (id: Int, underrunsAtStart: Int)?
    /// Live events waiting for the generation step whose audio they address (generation thread
    /// only).
    var waitingEvents: [LiveEvent] = []
    /// The latency router (generation thread only; nil when off).
    var router: Router?
    /// When the engine was made (`DispatchTime` ns): the router's clock starts there.
    let createdAt = DispatchTime.now().uptimeNanoseconds
    let onSpeaking: (@Sendable (Bool) -> Void)?
    /// Hears each utterance's time to first audio (seconds) when its playback starts.
    var timeToFirstAudioObserver: (@Sendable (Double) -> Void)?
    let sinkCounters: (@Sendable () -> (underruns: Int, xruns: Int))?
    let log: @Sendable (String) -> Void

    struct QueueItem {
        var request: EngineRequest
        var id: Int
        var enqueued: UInt64
    }

    /// - Parameters:
    ///   - sink: any sink; when its rate differs from the model's it is wrapped in a
    ///     `ResamplingSink`.
    ///   - onSpeaking: told when an utterance starts and ends (the Opus stream counts underruns
    ///     only while speaking).
    ///   - sinkCounters: reads the sink's underrun (while audio was due) and xrun counters.
    ///   - log: hears each failed request at once (without its text) and other engine notices.
    public init(model: OmniModel, sink: any AudioSink, configuration: EngineConfiguration = EngineConfiguration(),
                onSpeaking: (@Sendable (Bool) -> Void)? = nil,
                sinkCounters: (@Sendable () -> (underruns: Int, xruns: Int))? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.model = model
        var configuration = configuration
        configuration.queueCapacity = max(1, configuration.queueCapacity)
        self.configuration = configuration
        self.sink = try ResamplingSink.adapt(sink, toInputRate: model.speech.sampleRate)
        clock = sink as? any PlaybackClock
        sessionRouting = configuration.routing
        sessionStyle = configuration.styleInstruction
        router = configuration.router.map { Router(budget: $0.budget, order: $0.order, costs: $0.costs) }
        if router != nil { stats.routerPlan = "full" }
        self.onSpeaking = onSpeaking
        self.sinkCounters = sinkCounters
        self.log = log
    }

    /// A plain Bark engine (no adapters).
    public convenience init(model: SpeechModel, sink: any AudioSink, configuration: EngineConfiguration = EngineConfiguration(),
                            onSpeaking: (@Sendable (Bool) -> Void)? = nil,
                            sinkCounters: (@Sendable () -> (underruns: Int, xruns: Int))? = nil,
                            log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try self.init(model: try OmniModel(speech: model), sink: sink, configuration: configuration,
                      onSpeaking: onSpeaking, sinkCounters: sinkCounters, log: log)
    }

    /// Starts the generation thread (once; later calls, or calls after the end, do nothing). It
    /// asks for a high, non-realtime priority (`.userInteractive`).
    public func start() {
        let begin: Bool = condition.withLock {
            guard phase == .idle else { return false }
            phase = .running
            return true
        }
        guard begin else { return }
        let thread = Thread { [self] in generationLoop() }
        thread.name = "omnibark.generation"
        thread.qualityOfService = .userInteractive
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues a request; returns its id and its place in the queue (0: next).
    public func say(_ request: EngineRequest) throws(EngineSayError) -> (id: Int, position: Int) {
        condition.lock(); defer { condition.unlock() }
        return try sayLocked(request)
    }

    /// `liveEventReceived`: the uptime (ns) at which the live event carrying this request arrived.
    func sayLocked(_ request: EngineRequest, liveEventReceived: UInt64? = nil) throws(EngineSayError) -> (id: Int, position: Int) {
        if let closedReason {
            let beforeFinish = liveEventReceived.flatMap { received in finishCalledUptimeNanos.map { received <= $0 } } ?? false
            if !beforeFinish { throw .closed(reason: closedReason) }
        }
        guard queue.count < configuration.queueCapacity else { throw .queueFull(capacity: configuration.queueCapacity) }
        let id = nextID
        nextID += 1
        // After every request of equal or higher priority.
        let index = queue.lastIndex(where: { $0.request.priority >= request.priority }).map { $0 + 1 } ?? 0
        queue.insert(QueueItem(request: request, id: id, enqueued: DispatchTime.now().uptimeNanoseconds), at: index)
        records[id] = EngineRequestStatus(id: id, state: .queued, priority: request.priority)
        stats.requests += 1
        condition.broadcast()
        return (id, index)
    }

    /// Queues text with the engine's defaults. Throws `EngineSayError` (queue full, closed) or
    /// `ModalityError.noInput` for empty text.
    @discardableResult
    public func say(_ text: String) throws -> Int {
        try say(EngineRequest(text: text)).id
    }

    /// The request's state, or nil for an unknown (or long forgotten) id.
    public func status(of id: Int) -> EngineRequestStatus? {
        condition.lock(); defer { condition.unlock() }
        guard var record = records[id] else { return nil }
        if record.state == .queued { record.position = queue.firstIndex(where: { $0.id == id }) }
        return record
    }

    /// A snapshot of the statistics.
    public var statistics: EngineStatistics {
        condition.lock(); defer { condition.unlock() }
        return statisticsLocked()
    }

    func statisticsLocked() -> EngineStatistics {
        var s = stats
        s.queued = queue.count
        if let counters = sinkCounters?() { s.underruns = counters.underruns; s.xruns = counters.xruns }
        if let inbox = configuration.events { s.events = inbox.counters }
        return s
    }

    /// Sets the closure that hears each utterance's time to first audio (seconds, on the
    /// generation thread) when its playback starts, e.g. for a histogram.
    public func observeTimeToFirstAudio(_ observer: @escaping @Sendable (Double) -> Void) {
        condition.withLock { timeToFirstAudioObserver = observer }
    }

    /// The session's routing and style instruction now (live events change them).
    public var sessionConditioning: (routing: ModalityRouting, styleInstruction: String?) {
        condition.withLock { (sessionRouting, sessionStyle) }
    }

    /// Output-timeline position now, in model-rate samples (the sink's playback clock, else the
    /// samples handed to it): what live events are stamped with on arrival. Any thread.
    public var outputPosition: Int64 { playedSamples() }

    /// The error that stopped the stream, if any (then nothing more is spoken).
    public var failureDescription: String? {
        condition.withLock { failure.map { ErrorMessage.describe($0) } }
    }

    /// Speaks what is queued, then finishes the sink; returns the statistics. Rethrows the error
    /// that ended the stream (a sink failure), never a single request's failure.
    @discardableResult
    public func finish() throws -> EngineStatistics {
        try end(reason: "the engine is finishing the queued speech and takes no new requests", dropQueued: false, stopCurrent: false)
    }

    /// The quick end for a signal: refuses new requests, cancels the queued ones, stops the
    /// current utterance after the chunk being generated, and finishes the sink.
    @discardableResult
    public func shutdown() throws -> EngineStatistics {
        try end(reason: "the server is shutting down", dropQueued: true, stopCurrent: true)
    }

    /// Drops what is queued, stops the current utterance at the next step and cancels the sink
    /// (nothing more is published).
    public func cancel() {
        condition.lock()
        let neverStarted = phase == .idle
        closeLocked(reason: "the stream was cancelled", dropQueued: true, stopCurrent: true)
        cancelsSink = true
        if neverStarted { phase = .ended }
        condition.broadcast()
        condition.unlock()
        // The sink belongs to the generation thread while it runs: it cancels the sink itself.
        if neverStarted { sink.cancel() } else { waitForEnd() }
    }

    private func end(reason: String, dropQueued: Bool, stopCurrent: Bool) throws -> EngineStatistics {
        condition.lock()
        let neverStarted = phase == .idle
        // With no generation thread, nothing would ever speak what is queued.
        closeLocked(reason: reason, dropQueued: dropQueued || neverStarted, stopCurrent: stopCurrent)
        // finish() on a running engine, unless something closed it first (a failed stream).
        if !dropQueued && !stopCurrent && !neverStarted && closedReason == reason {
            finishCalledUptimeNanos = DispatchTime.now().uptimeNanoseconds
        }
        if neverStarted { phase = .ending }
        condition.unlock()
        if neverStarted {
            let outcome: (any Error)? = { do { try sink.finish(); return nil } catch { return error } }()
            condition.withLock {
                failure = failure ?? outcome
                phase = .ended
                condition.broadcast()
            }
        }
        waitForEnd()
        if let failure = condition.withLock({ failure }) { throw failure }
        return statistics
    }

    func closeLocked(reason: String, dropQueued: Bool, stopCurrent stop: Bool) {
        if closedReason == nil { closedReason = reason }
        if dropQueued {
            for item in queue { finishLocked(item.id, .cancelled(reason: reason)) }
            queue.removeAll()
        }
        if stop { stopCurrent = true }
        condition.broadcast()
    }

    private func waitForEnd() {
        condition.lock()
        while phase != .ended { condition.wait() }
        condition.unlock()
    }

    func finishLocked(_ id: Int, _ state: EngineRequestState) {
        records[id]?.state = state
        records[id]?.position = nil
        switch state {
        case .failed: stats.failed += 1
        case .cancelled: stats.cancelled += 1
        default: break
        }
        finishedOrder.append(id)
        if finishedOrder.count > Self.finishedRecordsKept {
            records[finishedOrder.removeFirst()] = nil
        }
    }
}
