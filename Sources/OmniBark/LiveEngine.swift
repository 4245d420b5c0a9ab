import Audio
import Bark
import Encodec
import Foundation
import Streaming

/// Speaks queued text continuously into a sink while generating it: streaming Bark generation,
/// the stateful EnCodec decoder, resampling to the sink's rate, then the sink.
///
/// Threads: one generation thread (high, non-realtime priority) does all the work; `say` and
/// `finish` may be called from any thread. The sink's own realtime side (JACK) never waits on
/// this engine.
///
/// Thread safety: the queue and statistics are guarded by a condition lock; everything else is
/// owned by the generation thread.
public final class LiveEngine: @unchecked Sendable {
    public let model: SpeechModel
    public let sink: any AudioSink
    public let options: SpeechOptions
    public let fineMode: FineStreamingMode

    private let condition = NSCondition()
    private var queue: [(text: String, enqueued: UInt64)] = []
    private var closed = false
    private var running = true
    private var failure: (any Error)?
    private var finished = false
    private var stats = LiveStatistics()
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    /// Extra counters read from the sink (underruns, xruns), if it has them.
    private let sinkCounters: (@Sendable () -> (underruns: Int, xruns: Int))?

    public init(model: SpeechModel, sink: any AudioSink, options: SpeechOptions = SpeechOptions(),
                fineMode: FineStreamingMode = .lowLatency,
                sinkCounters: (@Sendable () -> (underruns: Int, xruns: Int))? = nil) {
        self.model = model
        self.sink = sink
        self.options = options
        self.fineMode = fineMode
        self.sinkCounters = sinkCounters
    }

    /// Starts the generation thread.
    public func start() {
        let thread = Thread { [self] in self.generationLoop() }
        thread.name = "omnibark.generation"
        thread.qualityOfService = .userInteractive
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Queues `text`; it is spoken after what is already queued.
    public func say(_ text: String) {
        condition.lock()
        queue.append((text, DispatchTime.now().uptimeNanoseconds))
        condition.signal()
        condition.unlock()
    }

    /// No more text will come: speak what is queued, finish the sink (which drains it), and
    /// return the statistics. Rethrows the first generation or sink error.
    @discardableResult
    public func finish() throws -> LiveStatistics {
        condition.lock()
        closed = true
        condition.signal()
        let wait = !finished && thread != nil
        finished = true
        condition.unlock()
        if wait { done.wait() }
        condition.lock(); defer { condition.unlock() }
        if let failure { throw failure }
        return statisticsLocked()
    }

    /// The error that stopped the generation thread, if any (it then speaks nothing more).
    public var failureDescription: String? {
        condition.lock(); defer { condition.unlock() }
        return failure.map { "\($0)" }
    }

    /// A snapshot of the statistics.
    public var statistics: LiveStatistics {
        condition.lock(); defer { condition.unlock() }
        return statisticsLocked()
    }

    private func statisticsLocked() -> LiveStatistics {
        var s = stats
        if let counters = sinkCounters?() { s.underruns = counters.underruns; s.xruns = counters.xruns }
        return s
    }

    // MARK: - Generation thread

    private func generationLoop() {
        defer { done.signal() }
        do {
            let resampler = try StreamingResampler(inputRate: Double(model.sampleRate), outputRate: Double(sink.sampleRate))
            var utterance = 0
            var voice = options.voice
            while let (text, enqueued) = nextText() {
                // Long text is split as `speak` splits it; each segment (and each next line)
                // continues the previous one's voice, so a session keeps one speaker.
                let segments = options.longForm ? TextSegmenter().segments(of: text) : [text]
                for (index, segment) in segments.enumerated() {
                    let generation = try speak(segment, enqueued: index == 0 ? enqueued : nil, voice: voice,
                                               seed: options.seed &+ UInt64(utterance), resampler: resampler)
                    if generation.frames > 0 {
                        voice = try generation.voicePreset(configuration: options.apply(to: model.generator.configuration))
                    }
                    utterance += 1
                }
                // Play out the resampler's tail now rather than with the next line.
                try write(resampler.flush())
                try resampler.reset()
                condition.lock()
                stats.utterances += 1
                condition.unlock()
            }
            try sink.finish()
        } catch {
            sink.cancel()
            condition.lock()
            failure = error
            condition.unlock()
        }
    }

    private func nextText() -> (String, UInt64)? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty && !closed { condition.wait() }
        return queue.isEmpty ? nil : queue.removeFirst()
    }

    /// Streams one generation into the sink. `enqueued`: when the text was queued, to measure the
    /// time to first audio (nil for later segments of the same text).
    private func speak(_ text: String, enqueued: UInt64?, voice: VoicePreset?, seed: UInt64,
                       resampler: StreamingResampler) throws -> BarkGeneration {
        try UtteranceStreamer.stream(
            model: model, fineMode: fineMode, text: text, voice: voice,
            configuration: options.apply(to: model.generator.configuration), seed: seed, resampler: resampler, sink: sink,
            watermark: options.watermark,
            audio: { samples in
                condition.lock()
                if stats.timeToFirstAudio == nil, let enqueued {
                    stats.timeToFirstAudio = Double(DispatchTime.now().uptimeNanoseconds - enqueued) / 1e9
                }
                stats.audioSeconds += Double(samples) / Double(model.sampleRate)
                condition.unlock()
            },
            compute: { seconds in
                condition.lock()
                stats.computeSeconds += seconds
                condition.unlock()
            })
    }

    private func write(_ samples: [Float]) throws {
        if !samples.isEmpty { try sink.write(samples) }
    }
}
