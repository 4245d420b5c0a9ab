import LiveControl

/// What `LiveEngineBenchmark` measured: the engine's statistics and per-request statuses (time
/// to first audio, gapless lead, gaps), the live events per source, and the live reference
/// encoder's cost.
public struct LiveEngineBenchmarkReport: Sendable {
    /// The JACK server the run played into.
    public struct Server: Sendable, Equatable {
        public var name: String
        /// True when the run started its own `jackd -d dummy`.
        public var isPrivate: Bool
        /// Hz, and frames per process cycle.
        public var sampleRate: Int
        public var period: Int
    }

    /// The live reference encoder (EnCodec encoder on its own thread).
    public struct Reference: Sendable, Equatable {
        /// Encodings made (refreshes of the window).
        public var refreshes: Int
        /// Seconds spent encoding, all refreshes together.
        public var encodeSeconds: Double
        /// Seconds of 24 kHz audio encoded, all refreshes together.
        public var audioSeconds: Double
        /// Seconds kept in the window.
        public var windowSeconds: Double

        /// Encoder seconds per second of audio encoded; nil before any encoding.
        public var encoderSecondsPerAudioSecond: Double? { audioSeconds > 0 ? encodeSeconds / audioSeconds : nil }
        /// Encoder seconds per refresh; nil before any.
        public var secondsPerRefresh: Double? { refreshes > 0 ? encodeSeconds / Double(refreshes) : nil }
    }

    public var server: Server
    public var settings: LiveEngineBenchmarkSettings
    public var statistics: EngineStatistics
    /// Every request of the run, in the order queued.
    public var requests: [EngineRequestStatus]
    /// Per measured source (empty without events).
    public var events: [LiveEventSource: LiveEventSourceFigures]
    /// The sources steered (`api`, `osc`, `midi` with events; none without).
    public var eventSources: [LiveEventSource]
    /// Nil without reference audio.
    public var reference: Reference?
    /// Things the reader should know (a failed OSC send, MIDI events JACK refused).
    public var notes: [String]

    /// Per-utterance time to first audio (request queued → playback start), seconds.
    public var timesToFirstAudio: [Double] { requests.compactMap(\.timeToFirstAudio) }
    public var timeToFirstAudioP50: Double? { Percentile.of(timesToFirstAudio, 0.5) }
    public var timeToFirstAudioP95: Double? { Percentile.of(timesToFirstAudio, 0.95) }
    public var timeToFirstAudioMax: Double? { timesToFirstAudio.max() }
    /// Mean gaps (output underruns while the utterance was due) per utterance that played.
    public var gapsPerUtterance: Double? {
        let gaps = requests.compactMap(\.gaps)
        return gaps.isEmpty ? nil : Double(gaps.reduce(0, +)) / Double(gaps.count)
    }
    /// The most gaps one utterance had.
    public var gapsMax: Int? { requests.compactMap(\.gaps).max() }
    /// Median seconds of audio held back before playback started (the gapless lead).
    public var leadSecondsP50: Double? { Percentile.of(requests.compactMap(\.leadSeconds), 0.5) }
}
