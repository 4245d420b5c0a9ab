/// A non-realtime consumer of the engine's output audio: a file, an encoder, a network upload.
///
/// Sinks are fed on the generation side (the generation thread or a pump draining the ring
/// buffer), never from the realtime audio callback: `write` may allocate, block on I/O and
/// resample. The realtime JACK output does not conform; it reads the ring buffer directly.
///
/// Life cycle: any number of `write`s, then exactly one of `finish()` (the output is complete
/// and published, e.g. a file renamed into place) or `cancel()` (abandon: nothing is published
/// and temporary state is removed). `write` or `finish` after the end throws; `cancel` is always
/// allowed and does nothing after `finish` or a previous `cancel`. If `write` throws, the sink
/// stays open and the caller decides between retrying, `finish` and `cancel`.
///
/// Threading: conformers are reference types that may be handed between threads (`Sendable`),
/// but the caller serialises calls: one thread at a time, no overlapping calls.
public protocol AudioSink: AnyObject, Sendable {
    /// The sample rate (Hz) of the samples `write` accepts; the engine's output rate (Bark: 24 kHz).
    /// A sink that stores or sends another rate converts internally.
    var sampleRate: Int { get }
    /// Interleaved channels per frame of the samples `write` accepts (1 for Bark).
    var channels: Int { get }

    /// Consumes interleaved samples (`count` a multiple of `channels`) in [-1, 1].
    func write(_ samples: [Float]) throws
    /// Ends the stream: drains any buffered audio and publishes the result.
    func finish() throws
    /// Abandons the stream and cleans up; never throws, safe to call more than once.
    func cancel()
    /// An utterance ended: play out what is pending now (a resampler's tail) instead of with the
    /// next utterance, and stop counting underruns until the next `write` (silence between
    /// utterances is not a gap). Does nothing by default.
    func endOfUtterance() throws
}

extension AudioSink {
    /// Mono by default.
    public var channels: Int { 1 }
    public func endOfUtterance() throws {}
}

/// A sink that plays in real time and knows how much it has played.
///
/// Thread safety: `playedSeconds` may be read from any thread.
public protocol PlaybackClock: AnyObject, Sendable {
    /// Seconds of output (audio and the silence between or under it) played since the stream
    /// started; 0 before.
    var playedSeconds: Double { get }
}
