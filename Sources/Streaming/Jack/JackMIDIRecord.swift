/// One fixed-size record of the JACK sink's control input: a short MIDI event from `control_in`,
/// or a transport change seen by the process callback. Made on the realtime thread (a plain value,
/// no allocation) and read back with ``JackSink/drainMIDI(_:)``.
///
/// Times:
/// - ``frameTime`` is JACK's absolute frame time (`jack_last_frame_time` of the cycle plus the
///   event's offset in the cycle), in frames at the server's rate. It is a `jack_nframes_t`, so it
///   wraps around after 2³² frames (about 24.8 hours at 48 kHz): compare with wrapping subtraction.
/// - ``outputFrame`` is the position on the sink's output timeline at that moment: how many
///   output frames the sink had played since its first audio sample, counting ring audio and
///   underrun silence alike (``JackSink/deliveredSamples`` + ``JackSink/underrunSamples``). Frame 0
///   is the first sample taken from the ring; the cycle that plays it starts at offset 0, so an
///   event at offset `k` of a cycle whose timeline position at its start was `T` gets `T + k`. While
///   no audio has been played yet (the timeline has not started, or has not restarted after
///   ``JackSink/reconnect()``), the timeline stands still and events get `T` (0 for a fresh sink).
///   In other words: the index of the output sample that was playing when the event arrived.
///
/// Thread safety: a plain value; `Sendable`.
public struct JackMIDIRecord: Sendable, Equatable {
    /// What the record carries.
    public enum Kind: UInt8, Sendable {
        /// A MIDI event of 1…3 bytes from `control_in` (``bytes``).
        case midi = 0
        /// The JACK transport (rolling, with valid bar/beat/tick) entered a new beat:
        /// ``bar``, ``beat`` and ``transportFrame`` describe the first frame of the cycle.
        case transportBeat = 1
        /// The JACK transport started rolling (seen at the start of this cycle).
        case transportRolling = 2
        /// The JACK transport stopped (seen at the start of this cycle).
        case transportStopped = 3
    }

    public var kind: Kind
    /// Absolute JACK frame time of the event (wraps at 2³²). For transport records: the first
    /// frame of the cycle in which the change was seen.
    public var frameTime: UInt32
    /// Output-timeline position in frames (see the type's documentation).
    public var outputFrame: Int
    /// Number of valid message bytes (0…3; 0 for transport records).
    public var length: UInt8
    public var byte0: UInt8
    public var byte1: UInt8
    public var byte2: UInt8
    /// Bar number (1-based, as JACK's BBT) for ``Kind/transportBeat``; 0 otherwise.
    public var bar: Int32
    /// Beat within the bar (1-based, as JACK's BBT) for ``Kind/transportBeat``; 0 otherwise.
    public var beat: Int32
    /// The transport's frame position (`jack_position_t.frame`) at the start of the cycle, for
    /// transport records; 0 for MIDI records.
    public var transportFrame: UInt32

    /// Creates a record (public for tests and for replaying recorded control input).
    public init(kind: Kind, frameTime: UInt32, outputFrame: Int, length: UInt8 = 0,
                byte0: UInt8 = 0, byte1: UInt8 = 0, byte2: UInt8 = 0,
                bar: Int32 = 0, beat: Int32 = 0, transportFrame: UInt32 = 0) {
        self.kind = kind
        self.frameTime = frameTime
        self.outputFrame = outputFrame
        self.length = length
        self.byte0 = byte0
        self.byte1 = byte1
        self.byte2 = byte2
        self.bar = bar
        self.beat = beat
        self.transportFrame = transportFrame
    }

    /// The message bytes of a ``Kind/midi`` record (allocates: not for the realtime thread).
    public var bytes: [UInt8] {
        let all = [byte0, byte1, byte2]
        return Array(all.prefix(Int(min(length, 3))))
    }
}
