import Bark
import Foundation
import Streaming

/// The generation side of `omnibark serve`: like `LiveEngine`, one generation thread speaks
/// queued text into a sink while generating it, but each request carries its own voice and seed,
/// and a higher priority jumps the queue (equal priorities keep their order).
///
/// Thread safety: the queue and statistics are guarded by a condition lock; the rest is owned by
/// the generation thread.
public final class ServeEngine: @unchecked Sendable {
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
    }

    public let model: SpeechModel
    public let sink: any AudioSink
    public let options: SpeechOptions
    public let fineMode: FineStreamingMode

    private let condition = NSCondition()
    private var queue: [(request: Request, id: Int, enqueued: UInt64)] = []
    private var nextID = 1
    private var closed = false
    private var failure: (any Error)?
    private var stats = Statistics()
    private let done = DispatchSemaphore(value: 0)
    private let onSpeaking: (@Sendable (Bool) -> Void)?
    private let sinkCounters: (@Sendable () -> Int)?

    /// `onSpeaking` is told when an utterance starts and ends; `sinkUnderruns` reads the sink's
    /// underrun counter for the statistics.
    public init(model: SpeechModel, sink: any AudioSink, options: SpeechOptions = SpeechOptions(),
                fineMode: FineStreamingMode = .lowLatency,
                onSpeaking: (@Sendable (Bool) -> Void)? = nil, sinkUnderruns: (@Sendable () -> Int)? = nil) {
        self.model = model
        self.sink = sink
        self.options = options
        self.fineMode = fineMode
        self.onSpeaking = onSpeaking
        self.sinkCounters = sinkUnderruns
    }

    public func start() {
        let thread = Thread { [self] in generationLoop() }
        thread.name = "omnibark.serve-generation"
        thread.qualityOfService = .userInteractive
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues a request; returns its id and its place in the queue (0: next).
    @discardableResult
    public func say(_ request: Request) -> (id: Int, position: Int) {
        condition.lock(); defer { condition.unlock() }
        let id = nextID
        nextID += 1
        // After every request of equal or higher priority.
        let index = queue.lastIndex(where: { $0.request.priority >= request.priority }).map { $0 + 1 } ?? 0
        queue.insert((request, id, DispatchTime.now().uptimeNanoseconds), at: index)
        stats.requests += 1
        condition.signal()
        return (id, index)
    }

    public var statistics: Statistics {
        condition.lock(); defer { condition.unlock() }
        var s = stats
        s.queued = queue.count
        if let sinkCounters { s.live.underruns = sinkCounters() }
        return s
    }

    /// Speaks what is queued, finishes the sink and returns the statistics; rethrows the first error.
    @discardableResult
    public func finish() throws -> Statistics {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
        done.wait()
        if let failure = condition.withLock({ failure }) { throw failure }
        return statistics
    }

    /// Drops what is queued and cancels the sink after the current utterance.
    public func cancel() {
        condition.lock()
        queue.removeAll()
        closed = true
        condition.signal()
        condition.unlock()
        done.wait()
    }

    private func generationLoop() {
        defer { done.signal() }
        do {
            while let (request, id, enqueued) = next() {
                // One resampler per utterance: its tail is flushed when the utterance ends.
                let resampler = try StreamingResampler(inputRate: Double(model.sampleRate), outputRate: Double(sink.sampleRate))
                onSpeaking?(true)
                defer { onSpeaking?(false) }
                try speak(request, enqueued: enqueued, seed: request.seed ?? (options.seed &+ UInt64(id - 1)), resampler: resampler)
                let tail = try resampler.flush()
                if !tail.isEmpty { try sink.write(tail) }
            }
            try sink.finish()
        } catch {
            sink.cancel()
            condition.withLock { failure = error }
        }
    }

    private func next() -> (Request, Int, UInt64)? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty && !closed { condition.wait() }
        stats.speaking = !queue.isEmpty
        return queue.isEmpty ? nil : queue.removeFirst()
    }

    private func speak(_ request: Request, enqueued: UInt64, seed: UInt64, resampler: StreamingResampler) throws {
        var produced = 0
        var first = true
        _ = try UtteranceStreamer.stream(
            model: model, fineMode: fineMode, text: request.text, voice: request.voice ?? options.voice,
            configuration: options.apply(to: model.generator.configuration), seed: seed, resampler: resampler, sink: sink,
            audio: { samples in
                produced += samples
                guard first else { return }
                first = false
                let ttfa = Double(DispatchTime.now().uptimeNanoseconds - enqueued) / 1e9
                condition.withLock {
                    if stats.live.timeToFirstAudio == nil { stats.live.timeToFirstAudio = ttfa }
                    stats.lastTimeToFirstAudio = ttfa
                }
            },
            compute: { seconds in condition.withLock { stats.live.computeSeconds += seconds } })
        condition.withLock {
            stats.live.utterances += 1
            stats.live.audioSeconds += Double(produced) / Double(model.sampleRate)
            stats.speaking = false
        }
    }
}
