extension JackSink {
    /// How to open the sink.
    public struct Configuration: Sendable, Equatable {
        /// JACK client name (JACK may append a suffix if it is taken; see ``JackSink/clientName``).
        public var clientName: String
        /// Server name; nil means `$JACK_DEFAULT_SERVER`, else `default`.
        public var serverName: String?
        /// 1 (mono: `out_1`) or 2 (stereo: `out_1` and `out_2` with the same signal).
        public var channels: Int
        /// Ports to connect to right after activation, e.g. `["system:playback_1", "system:playback_2"]`.
        public var connectTo: [String]
        /// Register the MIDI input port `control_in` and queue its events and the transport's
        /// changes (``JackSink/drainMIDI(_:)``).
        public var midiInput: Bool
        /// Register the audio input port `reference_in` and copy it into ``JackSink/referenceRing``.
        public var referenceInput: Bool
        /// Records the control queue holds (rounded up to a power of two; 1…16,777,216). What does
        /// not fit between two ``JackSink/drainMIDI(_:)`` calls is counted in ``JackSink/midiOverflow``.
        public var midiQueueCapacity: Int
        /// Samples the reference ring holds (rounded up to a power of two; 1…2³⁰). The default is
        /// about 2.7 s at 48 kHz; what does not fit is counted in ``JackSink/referenceOverflow``.
        public var referenceCapacity: Int

        public init(clientName: String = "omnibark", serverName: String? = nil, channels: Int = 1, connectTo: [String] = [],
                    midiInput: Bool = false, referenceInput: Bool = false,
                    midiQueueCapacity: Int = 1_024, referenceCapacity: Int = 131_072) {
            self.clientName = clientName
            self.serverName = serverName
            self.channels = channels
            self.connectTo = connectTo
            self.midiInput = midiInput
            self.referenceInput = referenceInput
            self.midiQueueCapacity = midiQueueCapacity
            self.referenceCapacity = referenceCapacity
        }
    }
}
