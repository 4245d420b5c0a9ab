import Streaming
import Testing

@Suite("MIDIClockBeatTracker: 24 clocks per quarter note")
struct MIDIClockBeatTrackerTests {
    /// Feeds `count` clocks, the i-th at output frame `firstFrame + i * step`; returns the beats.
    private func clocks(_ tracker: inout MIDIClockBeatTracker, count: Int, firstFrame: Int, step: Int) -> [MIDIClockBeatTracker.Beat] {
        (0..<count).compactMap { tracker.consume(.clock, outputFrame: firstFrame + $0 * step) }
    }

    @Test("after start: beat 0 at the first clock, then one beat per 24 clocks, with its output frame")
    func beatsAfterStart() {
        var tracker = MIDIClockBeatTracker()
        #expect(tracker.consume(.start, outputFrame: 0) == nil)
        let beats = clocks(&tracker, count: 73, firstFrame: 1_000, step: 1_000)
        #expect(beats == [
            .init(index: 0, clock: 0, outputFrame: 1_000), .init(index: 1, clock: 24, outputFrame: 25_000),
            .init(index: 2, clock: 48, outputFrame: 49_000), .init(index: 3, clock: 72, outputFrame: 73_000),
        ])
        #expect(tracker.clocks == 73)
    }

    @Test("clocks before any start are ignored")
    func beforeStart() {
        var tracker = MIDIClockBeatTracker()
        #expect(clocks(&tracker, count: 50, firstFrame: 0, step: 10).isEmpty)
        #expect(tracker.ignoredClocks == 50)
        #expect(!tracker.isRunning)
    }

    @Test("stop freezes the count, continue resumes it, start resets it")
    func stopContinueStart() {
        var tracker = MIDIClockBeatTracker()
        _ = tracker.consume(.start, outputFrame: 0)
        _ = clocks(&tracker, count: 30, firstFrame: 0, step: 1)  // beats 0 and 1; clock count 30
        _ = tracker.consume(.stop, outputFrame: 30)
        #expect(clocks(&tracker, count: 100, firstFrame: 100, step: 1).isEmpty, "frozen while stopped")
        #expect(tracker.ignoredClocks == 100)
        _ = tracker.consume(.continue, outputFrame: 500)
        // 30 counted: clock 48 (beat 2) is the 19th clock after continue.
        let resumed = clocks(&tracker, count: 19, firstFrame: 1_000, step: 1)
        #expect(resumed == [.init(index: 2, clock: 48, outputFrame: 1_018)])
        _ = tracker.consume(.start, outputFrame: 2_000)
        #expect(tracker.lastBeat == nil)
        #expect(tracker.consume(.clock, outputFrame: 2_001) == .init(index: 0, clock: 0, outputFrame: 2_001))
    }

    @Test("other messages pass through untouched; the timed form uses the message's output frame")
    func otherMessages() {
        var tracker = MIDIClockBeatTracker()
        #expect(tracker.consume(.noteOn(channel: 0, note: 1, velocity: 1), outputFrame: 0) == nil)
        #expect(tracker.consume(TimedMIDIMessage(message: .start, frameTime: 0, outputFrame: 0)) == nil)
        #expect(tracker.consume(TimedMIDIMessage(message: .clock, frameTime: 99, outputFrame: 1_234)) == .init(index: 0, clock: 0, outputFrame: 1_234))
        #expect(tracker.consume(.transportBeat(bar: 1, beat: 1, transportFrame: 0), outputFrame: 5) == nil)
        #expect(tracker.clocks == 1)
    }
}
