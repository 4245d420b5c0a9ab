import Audio

/// Feeds a sink that runs at another rate: accepts `sampleRate` (the engine's rate) and converts
/// with one `StreamingResampler` (libsoxr) for the wrapped sink. This is the streaming path's one
/// place of sample-rate conversion: the engine, the fan-out and the sinks all go through
/// `ResamplingSink.adapt`.
///
/// At `endOfUtterance` the resampler's tail is flushed into the sink (so an utterance's last
/// milliseconds play now) and the resampler is reset for the next one.
///
/// Thread safety: like every `AudioSink`, used by one thread at a time (the generation thread);
/// the resampler is plain mutable state owned by that thread.
public final class ResamplingSink: AudioSink, PlaybackClock, @unchecked Sendable {
    public let sampleRate: Int
    public let wrapped: any AudioSink
    private let resampler: StreamingResampler

    /// Wraps `sink` so that it accepts `inputRate`.
    public init(_ sink: any AudioSink, inputRate: Int) throws {
        sampleRate = inputRate
        wrapped = sink
        resampler = try StreamingResampler(inputRate: Double(inputRate), outputRate: Double(sink.sampleRate), channels: sink.channels)
    }

    /// `sink` itself when it already takes `inputRate`, else a `ResamplingSink` around it.
    public static func adapt(_ sink: any AudioSink, toInputRate inputRate: Int) throws -> any AudioSink {
        sink.sampleRate == inputRate ? sink : try ResamplingSink(sink, inputRate: inputRate)
    }

    public var channels: Int { wrapped.channels }

    public var playedSeconds: Double { (wrapped as? any PlaybackClock)?.playedSeconds ?? 0 }

    public func write(_ samples: [Float]) throws {
        let converted = try resampler.process(samples)
        if !converted.isEmpty { try wrapped.write(converted) }
    }

    public func endOfUtterance() throws {
        let tail = try resampler.flush()
        try resampler.reset()
        if !tail.isEmpty { try wrapped.write(tail) }
        try wrapped.endOfUtterance()
    }

    public func finish() throws {
        let tail = try resampler.flush()
        if !tail.isEmpty { try wrapped.write(tail) }
        try wrapped.finish()
    }

    public func cancel() { wrapped.cancel() }
}
