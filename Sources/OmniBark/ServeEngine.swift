import Audio
import Bark
import Checkpoints
import Foundation
import Streaming

/// The generation side of `omnibark serve`: one generation thread speaks queued requests into a
/// sink while generating them. Each request carries its own voice and seed, and a higher priority
/// jumps the queue (equal priorities keep their order).
///
/// Failures stay with their request: a request whose generation fails is marked `failed` with the
/// reason (and logged at once), and the stream and the queue go on. Only a failure of the sink
/// itself (the stream can no longer be written) ends the stream; every request still waiting is
/// then failed with that reason and `say` refuses new ones.
///
/// `finish`, `shutdown` and `cancel` may be called in any order, from any thread, any number of
/// times, with or without `start`: the first one decides how the stream ends, the others wait for
/// that end and return the same outcome.
///
/// Thread safety: the queue, the request records and the statistics are guarded by one condition
/// lock; the sink and the current utterance are used only by the generation thread (or, when the
/// engine never started, by the one call that ends it).
public final class ServeEngine: @unchecked Sendable {
    /// One request to speak.
    public struct Request: Sendable {
        public var text: String
        public var voice: VoicePreset?
        public var seed: UInt64?
        public var priority: Int
        public init(text: String, voice: VoicePreset? = nil, seed: UInt64? = nil, priority: Int = 0) {
            self.text = text
            self.voice = voice
            self.seed = seed
            self.priority = priority
        }
    }

    /// Where a request is in its life.
    public enum RequestState: Sendable, Equatable {
        case queued
        case speaking
        case done
        /// Generation failed (or the stream ended under it); the reason is safe to show a client.
        case failed(reason: String)
        /// Dropped before it finished (the server is shutting down).
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
    public struct RequestStatus: Sendable, Equatable {
        public var id: Int
        public var state: RequestState
        public var priority: Int
        /// Requests ahead of it while queued (0: next), nil otherwise.
        public var position: Int?
        /// Seconds from `say` to its first samples handed to the sink.
        public var timeToFirstAudio: Double?
        /// Seconds of audio it produced so far (24 kHz model rate).
        public var audioSeconds: Double = 0
    }

    public struct Statistics: Sendable, Equatable {
        public var live = LiveStatistics()
        /// Requests waiting (not counting the one being spoken).
        public var queued = 0
        /// Whether an utterance is being generated now.
        public var speaking = false
        /// Time from `say` to the first samples handed to the sink, for the latest utterance.
        public var lastTimeToFirstAudio: Double?
        /// Requests accepted so far.
        public var requests = 0
        /// Requests whose generation failed.
        public var failed = 0
        /// Requests dropped by a shutdown.
        public var cancelled = 0
    }

    /// Why `say` refused a request.
    public enum SayError: Error, Sendable, Equatable, CustomStringConvertible {
        case queueFull(capacity: Int)
        case closed(reason: String)
        public var description: String {
            switch self {
            case let .queueFull(capacity): return "the queue is full (\(capacity) requests waiting); try again later"
            case let .closed(reason): return reason
            }
        }
    }

    /// Request records kept for `status(of:)` after they end (the oldest are forgotten first).
    public static let finishedRecordsKept = 1024

    public let model: SpeechModel
    public let sink: any AudioSink
    public let options: SpeechOptions
    public let fineMode: FineStreamingMode
    /// Requests that may wait at once; more are refused with `SayError.queueFull`.
    public let queueCapacity: Int

    private let condition = NSCondition()
    private var queue: [(request: Request, id: Int, enqueued: UInt64)] = []
    private var records: [Int: RequestStatus] = [:]
    private var finishedOrder: [Int] = []
    private var nextID = 1
    private var stats = Statistics()
    private enum Phase { case idle, running, ending, ended }
    private var phase = Phase.idle
    private var closedReason: String?
    private var stopCurrent = false
    private var cancelsSink = false
    private var failure: (any Error)?
    private let onSpeaking: (@Sendable (Bool) -> Void)?
    private let sinkUnderruns: (@Sendable () -> Int)?
    private let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - queueCapacity: requests that may wait at once.
    ///   - onSpeaking: told when an utterance starts and ends.
    ///   - sinkUnderruns: reads the sink's underrun counter for the statistics.
    ///   - log: hears each failed request at once (without its text).
    public init(model: SpeechModel, sink: any AudioSink, options: SpeechOptions = SpeechOptions(),
                fineMode: FineStreamingMode = .lowLatency, queueCapacity: Int = 64,
                onSpeaking: (@Sendable (Bool) -> Void)? = nil, sinkUnderruns: (@Sendable () -> Int)? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.model = model
        self.sink = sink
        self.options = options
        self.fineMode = fineMode
        self.queueCapacity = max(1, queueCapacity)
        self.onSpeaking = onSpeaking
        self.sinkUnderruns = sinkUnderruns
        self.log = log
    }

    /// Starts the generation thread (once; later calls, or calls after the end, do nothing).
    public func start() {
        let begin: Bool = condition.withLock {
            guard phase == .idle else { return false }
            phase = .running
            return true
        }
        guard begin else { return }
        let thread = Thread { [self] in generationLoop() }
        thread.name = "omnibark.serve-generation"
        thread.qualityOfService = .userInteractive
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues a request; returns its id and its place in the queue (0: next).
    public func say(_ request: Request) throws(SayError) -> (id: Int, position: Int) {
        condition.lock(); defer { condition.unlock() }
        if let closedReason { throw .closed(reason: closedReason) }
        guard queue.count < queueCapacity else { throw .queueFull(capacity: queueCapacity) }
        let id = nextID
        nextID += 1
        // After every request of equal or higher priority.
        let index = queue.lastIndex(where: { $0.request.priority >= request.priority }).map { $0 + 1 } ?? 0
        queue.insert((request, id, DispatchTime.now().uptimeNanoseconds), at: index)
        records[id] = RequestStatus(id: id, state: .queued, priority: request.priority)
        stats.requests += 1
        condition.broadcast()
        return (id, index)
    }

    /// The request's state, or nil for an unknown (or long forgotten) id.
    public func status(of id: Int) -> RequestStatus? {
        condition.lock(); defer { condition.unlock() }
        guard var record = records[id] else { return nil }
        if record.state == .queued { record.position = queue.firstIndex(where: { $0.id == id }) }
        return record
    }

    public var statistics: Statistics {
        condition.lock(); defer { condition.unlock() }
        var s = stats
        s.queued = queue.count
        if let sinkUnderruns { s.live.underruns = sinkUnderruns() }
        return s
    }

    /// Speaks what is queued, then finishes the sink; returns the statistics. Rethrows the error
    /// that ended the stream (a sink failure), never a single request's failure.
    @discardableResult
    public func finish() throws -> Statistics {
        try end(reason: "the server is finishing the queued speech and takes no new requests", dropQueued: false, stopCurrent: false)
    }

    /// The quick end for a signal: refuses new requests, cancels the queued ones, stops the
    /// current utterance after the chunk being generated, and finishes the sink.
    @discardableResult
    public func shutdown() throws -> Statistics {
        try end(reason: "the server is shutting down", dropQueued: true, stopCurrent: true)
    }

    /// Drops what is queued, stops the current utterance at the next chunk and cancels the sink
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

    private func end(reason: String, dropQueued: Bool, stopCurrent: Bool) throws -> Statistics {
        condition.lock()
        let neverStarted = phase == .idle
        // With no generation thread, nothing would ever speak what is queued.
        closeLocked(reason: reason, dropQueued: dropQueued || neverStarted, stopCurrent: stopCurrent)
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

    private func closeLocked(reason: String, dropQueued: Bool, stopCurrent stop: Bool) {
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

    private func finishLocked(_ id: Int, _ state: RequestState) {
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

    // MARK: - Generation thread

    /// A sink error, told apart from generation errors: it ends the stream, not just a request.
    private struct SinkFailure: Error { let underlying: any Error }
    /// The current utterance was asked to stop.
    private struct Stopped: Error {}

    private func generationLoop() {
        var fatal: (any Error)?
        while fatal == nil, let (request, id, enqueued) = next() {
            onSpeaking?(true)
            do {
                try speak(request, id: id, enqueued: enqueued, seed: request.seed ?? (options.seed &+ UInt64(id - 1)))
                condition.withLock {
                    stats.live.utterances += 1
                    finishLocked(id, .done)
                }
            } catch is Stopped {
                condition.withLock { finishLocked(id, .cancelled(reason: closedReason ?? "stopped")) }
            } catch let error as SinkFailure {
                fatal = error.underlying
                let reason = "the stream failed: \(Self.describe(error.underlying))"
                log("request #\(id) failed: \(reason)")
                condition.withLock { finishLocked(id, .failed(reason: reason)) }
            } catch {
                let reason = Self.describe(error)
                log("request #\(id) failed: \(reason)")
                condition.withLock { finishLocked(id, .failed(reason: reason)) }
            }
            onSpeaking?(false)
            condition.withLock { stats.speaking = false }
        }
        if let fatal {
            let reason = "the stream has ended (\(Self.describe(fatal)))"
            condition.withLock {
                closeLocked(reason: reason, dropQueued: false, stopCurrent: true)
                for item in queue { finishLocked(item.id, .failed(reason: reason)) }
                queue.removeAll()
            }
            sink.cancel()
        } else if condition.withLock({ cancelsSink }) {
            sink.cancel()
        } else {
            do { try sink.finish() } catch { fatal = error }
        }
        condition.withLock {
            failure = fatal
            phase = .ended
            condition.broadcast()
        }
    }

    private func next() -> (Request, Int, UInt64)? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty && closedReason == nil { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let item = queue.removeFirst()
        stats.speaking = true
        records[item.id]?.state = .speaking
        records[item.id]?.position = nil
        return item
    }

    private func speak(_ request: Request, id: Int, enqueued: UInt64, seed: UInt64) throws {
        // One resampler per utterance: its tail is flushed when the utterance ends.
        let resampler = try StreamingResampler(inputRate: Double(model.sampleRate), outputRate: Double(sink.sampleRate))
        let output = SinkFailureTagging(sink)
        var first = true
        let configuration = options.apply(to: model.generator.configuration)
        // Long text is split as `speak` splits it; each segment continues the previous one's voice
        // (one generation would cut the text at Bark's 256-token window).
        let segments = options.longForm ? TextSegmenter().segments(of: request.text) : [request.text]
        var voice = request.voice ?? options.voice
        for (index, segment) in segments.enumerated() {
            let generation = try UtteranceStreamer.stream(
                model: model, fineMode: fineMode, text: segment, voice: voice,
                configuration: configuration, seed: seed &+ UInt64(index), resampler: resampler, sink: output,
                watermark: options.watermark,
                audio: { samples in
                    let seconds = Double(samples) / Double(model.sampleRate)
                    let ttfa = first ? Double(DispatchTime.now().uptimeNanoseconds - enqueued) / 1e9 : nil
                    first = false
                    condition.withLock {
                        stats.live.audioSeconds += seconds
                        records[id]?.audioSeconds += seconds
                        if let ttfa {
                            if stats.live.timeToFirstAudio == nil { stats.live.timeToFirstAudio = ttfa }
                            stats.lastTimeToFirstAudio = ttfa
                            records[id]?.timeToFirstAudio = ttfa
                        }
                    }
                },
                compute: { seconds in condition.withLock { stats.live.computeSeconds += seconds } },
                afterChunk: { [self] in
                    if condition.withLock({ stopCurrent }) { throw Stopped() }
                })
            if generation.frames > 0, index < segments.count - 1 { voice = try generation.voicePreset(configuration: configuration) }
        }
        let tail = try resampler.flush()
        if !tail.isEmpty { try output.write(tail) }
    }

    /// Passes writes through to the sink, rethrowing its errors as `SinkFailure`.
    ///
    /// Thread safety: stateless; it is used, like the sink it wraps, by the generation thread only.
    private final class SinkFailureTagging: AudioSink, @unchecked Sendable {
        let sink: any AudioSink
        init(_ sink: any AudioSink) { self.sink = sink }
        var sampleRate: Int { sink.sampleRate }
        var channels: Int { sink.channels }
        func write(_ samples: [Float]) throws {
            do { try sink.write(samples) } catch { throw SinkFailure(underlying: error) }
        }
        func finish() throws { try sink.finish() }
        func cancel() { sink.cancel() }
    }

    private static func describe(_ error: any Error) -> String { ErrorMessage.describe(error) }
}
