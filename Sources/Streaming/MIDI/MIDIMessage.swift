/// A decoded control message: what ``MIDIMessageDecoder`` makes of the bytes of a JACK MIDI
/// event, or of a transport record from ``JackSink/drainMIDI(_:)``.
///
/// Channels are 0-based (0…15, as in the status byte's low nibble); notes, velocities,
/// controllers and values are 7-bit (0…127).
///
/// Thread safety: a plain value; `Sendable`.
public enum MIDIMessage: Sendable, Equatable {
    /// Note on with velocity 1…127 (a note-on with velocity 0 decodes as ``noteOff(channel:note:velocity:)``).
    case noteOn(channel: UInt8, note: UInt8, velocity: UInt8)
    /// Note off (status 0x8n, or 0x9n with velocity 0, which gives velocity 0 here).
    case noteOff(channel: UInt8, note: UInt8, velocity: UInt8)
    /// Control change (status 0xBn).
    case controlChange(channel: UInt8, controller: UInt8, value: UInt8)
    /// Timing clock (0xF8): 24 per quarter note.
    case clock
    /// Start (0xFA): play from the beginning.
    case start
    /// Continue (0xFB): resume from where it stopped.
    case `continue`
    /// Stop (0xFC).
    case stop
    /// The JACK transport entered beat `beat` of bar `bar` (both 1-based, JACK BBT);
    /// `transportFrame` is the transport position at the start of that cycle.
    case transportBeat(bar: Int, beat: Int, transportFrame: Int)
    /// The JACK transport started rolling.
    case transportRolling
    /// The JACK transport stopped.
    case transportStopped
}

/// A message with the time it arrived: ``JackMIDIRecord/frameTime`` and
/// ``JackMIDIRecord/outputFrame`` of the record it came from.
///
/// Thread safety: a plain value; `Sendable`.
public struct TimedMIDIMessage: Sendable, Equatable {
    public var message: MIDIMessage
    /// Absolute JACK frame time (wraps at 2³²).
    public var frameTime: UInt32
    /// Output-timeline position in frames (see ``JackMIDIRecord/outputFrame``).
    public var outputFrame: Int

    public init(message: MIDIMessage, frameTime: UInt32, outputFrame: Int) {
        self.message = message
        self.frameTime = frameTime
        self.outputFrame = outputFrame
    }
}
