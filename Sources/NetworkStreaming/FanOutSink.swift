import Audio
import Streaming

/// Feeds one stream to several sinks at once (JACK, the HTTP broadcaster, a WAV file…), each at
/// its own sample rate: the fan-out accepts `sampleRate` and adapts every sink that differs with
/// `ResamplingSink.adapt` (the one rate converter of the streaming path).
///
/// A sink that throws is cancelled and left out from then on (the others go on); `write` throws
/// only when every sink has failed. Calls are serialised by the caller, as for any `AudioSink`.
/// Its playback clock is the first sink's that has one (JACK, the real-time Opus stream).
///
/// Thread safety: none inside. The sink list and `failures` are plain mutable state; like every
/// `AudioSink`, the fan-out is used by one thread at a time (the generation thread), and
/// `failures` is read only after `finish` or `cancel` returned. `playedSeconds` reads a clock
/// fixed at init, which is itself thread-safe.
public final class FanOutSink: AudioSink, PlaybackClock, @unchecked Sendable {
    public let sampleRate: Int
    private var outputs: [any AudioSink]
    private let originals: [any AudioSink]
    private let clock: (any PlaybackClock)?
    private let log: @Sendable (String) -> Void
    public private(set) var failures: [(index: Int, error: any Error)] = []

    public init(sampleRate: Int, sinks: [any AudioSink], log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.sampleRate = sampleRate
        self.log = log
        originals = sinks
        outputs = try sinks.map { try ResamplingSink.adapt($0, toInputRate: sampleRate) }
        clock = sinks.lazy.compactMap { $0 as? any PlaybackClock }.first
    }

    /// The sinks as given (not their rate adapters).
    public var sinks: [any AudioSink] { originals }

    public var playedSeconds: Double { clock?.playedSeconds ?? 0 }

    public func write(_ samples: [Float]) throws {
        try forEach { try $0.write(samples) }
    }

    public func endOfUtterance() throws {
        try forEach { try $0.endOfUtterance() }
    }

    public func finish() throws {
        try forEach { try $0.finish() }
    }

    public func cancel() {
        for output in outputs { output.cancel() }
        outputs.removeAll()
    }

    private func forEach(_ body: (any AudioSink) throws -> Void) throws {
        var lastError: (any Error)?
        var index = 0
        while index < outputs.count {
            do {
                try body(outputs[index])
                index += 1
            } catch {
                let sink = (outputs[index] as? ResamplingSink)?.wrapped ?? outputs[index]
                log("sink \(type(of: sink)) failed and is left out: \(error)")
                failures.append((index, error))
                outputs[index].cancel()
                outputs.remove(at: index)
                lastError = error
            }
        }
        if outputs.isEmpty, let lastError { throw lastError }
    }
}
