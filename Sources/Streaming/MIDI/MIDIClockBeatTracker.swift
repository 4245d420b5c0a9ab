/// Counts MIDI timing clocks (24 per quarter note) into beats.
///
/// After ``MIDIMessage/start`` the clock count restarts at 0: the first clock after start is
/// clock 0 and marks beat 0 (the beginning of the first quarter note); clock 24 completes that
/// quarter note and marks beat 1, clock 48 beat 2, and so on: a marker at every clock whose
/// index is a multiple of 24. ``MIDIMessage/stop`` freezes the count (clocks while stopped are
/// only counted in ``ignoredClocks``); ``MIDIMessage/continue`` resumes it where it stopped.
/// Clocks before the first start are ignored too (many sources send clock while stopped).
///
/// Feed it messages in arrival order with the output-timeline frame they arrived at
/// (``TimedMIDIMessage/outputFrame``); each marker carries that frame.
///
/// Thread safety: a value type; use one instance from one thread at a time.
public struct MIDIClockBeatTracker: Sendable {
    /// One quarter-note beat.
    public struct Beat: Sendable, Equatable {
        /// Beat number since the last start (0-based).
        public var index: Int
        /// Clock number since the last start (a multiple of 24).
        public var clock: Int
        /// Output-timeline frame of the clock that marked the beat.
        public var outputFrame: Int

        public init(index: Int, clock: Int, outputFrame: Int) {
            self.index = index
            self.clock = clock
            self.outputFrame = outputFrame
        }
    }

    /// Clocks per quarter note in MIDI.
    public static let clocksPerBeat = 24

    /// True between start/continue and stop.
    public private(set) var isRunning = false
    /// Clocks counted since the last start.
    public private(set) var clocks = 0
    /// Clocks that arrived while stopped (or before any start).
    public private(set) var ignoredClocks = 0
    /// The most recent beat marker, if any since the last start.
    public private(set) var lastBeat: Beat?

    public init() {}

    /// Updates the state with `message`; returns a beat marker when this clock marks a beat.
    /// Messages other than clock, start, continue and stop are ignored.
    public mutating func consume(_ message: MIDIMessage, outputFrame: Int) -> Beat? {
        switch message {
        case .start:
            isRunning = true
            clocks = 0
            lastBeat = nil
            return nil
        case .continue:
            isRunning = true
            return nil
        case .stop:
            isRunning = false
            return nil
        case .clock:
            guard isRunning else {
                ignoredClocks += 1
                return nil
            }
            let clock = clocks
            clocks += 1
            guard clock % Self.clocksPerBeat == 0 else { return nil }
            let beat = Beat(index: clock / Self.clocksPerBeat, clock: clock, outputFrame: outputFrame)
            lastBeat = beat
            return beat
        default:
            return nil
        }
    }

    /// Convenience: ``consume(_:outputFrame:)`` with a timed message.
    public mutating func consume(_ timed: TimedMIDIMessage) -> Beat? {
        consume(timed.message, outputFrame: timed.outputFrame)
    }
}
