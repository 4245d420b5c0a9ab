import Streaming
import Testing
import TestSupport

@Suite("MIDIMessageDecoder: bytes of JACK MIDI events to messages")
struct MIDIMessageDecoderTests {
    @Test("note on, note off, velocity-0 note on, control change, on several channels")
    func channelMessages() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([0x90, 60, 100]) == [.noteOn(channel: 0, note: 60, velocity: 100)])
        #expect(decoder.decode([0x8F, 61, 64]) == [.noteOff(channel: 15, note: 61, velocity: 64)])
        #expect(decoder.decode([0x93, 62, 0]) == [.noteOff(channel: 3, note: 62, velocity: 0)])
        #expect(decoder.decode([0xB5, 7, 127]) == [.controlChange(channel: 5, controller: 7, value: 127)])
        #expect(decoder.malformedCount == 0)
        #expect(decoder.runningStatus == 0xB5)
    }

    @Test("clock, start, continue and stop; active sensing is ignored")
    func realtimeMessages() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([0xFA]) == [.start])
        #expect(decoder.decode([0xF8]) == [.clock])
        #expect(decoder.decode([0xFC]) == [.stop])
        #expect(decoder.decode([0xFB]) == [.continue])
        #expect(decoder.decode([0xFE]) == [])
        #expect(decoder.ignored == 1)
        #expect(decoder.malformedCount == 0)
    }

    @Test("running status within an event and across events")
    func runningStatus() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([0x91, 60, 90, 64, 80, 67, 0]) == [
            .noteOn(channel: 1, note: 60, velocity: 90), .noteOn(channel: 1, note: 64, velocity: 80),
            .noteOff(channel: 1, note: 67, velocity: 0),
        ])
        // The next event has data bytes only: the running status still applies.
        #expect(decoder.decode([72, 50]) == [.noteOn(channel: 1, note: 72, velocity: 50)])
        #expect(decoder.malformedCount == 0)
    }

    @Test("realtime bytes interleaved inside a message change nothing else")
    func interleavedRealtime() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([0xB0, 0xF8, 1, 0xFA, 64, 0xFC]) == [
            .clock, .start, .controlChange(channel: 0, controller: 1, value: 64), .stop,
        ])
        #expect(decoder.malformedCount == 0)
    }

    @Test("stray data bytes without a status are counted per byte and dropped")
    func strayData() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([1, 2, 3]) == [])
        #expect(decoder.malformedCount == 3)
        #expect(decoder.malformedKinds == ["running-status data without status": 3])
        // Decoding recovers at the next status byte.
        #expect(decoder.decode([0x90, 60, 1]) == [.noteOn(channel: 0, note: 60, velocity: 1)])
    }

    @Test("truncated messages: at the end of an event, and cut by another status")
    func truncated() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([0x90, 60]) == [])
        #expect(decoder.lastMalformedKind == "truncated note-on")
        #expect(decoder.decode([0xB0, 7, 0x80, 60, 0]) == [.noteOff(channel: 0, note: 60, velocity: 0)])
        #expect(decoder.lastMalformedKind == "truncated control change")
        #expect(decoder.decode([0x80]) == [])
        #expect(decoder.malformedKinds["truncated note-on"] == 1)
        #expect(decoder.malformedKinds["truncated control change"] == 1)
        #expect(decoder.malformedCount == 2, "a status byte alone is not truncated: it only sets the running status")
        #expect(decoder.decode([60]) == [])
        #expect(decoder.lastMalformedKind == "truncated note-off")
    }

    @Test("SysEx is skipped and counted once, cancels running status; stray F7 and undefined statuses counted")
    func sysex() {
        var decoder = MIDIMessageDecoder()
        _ = decoder.decode([0x90, 60, 100])
        #expect(decoder.decode([0xF0, 0x7E, 1, 2, 3, 0xF8, 4, 0xF7]) == [.clock])
        #expect(decoder.malformedKinds["sysex"] == 1)
        #expect(decoder.runningStatus == 0)
        #expect(decoder.decode([60, 1]) == [], "running status was cancelled by SysEx")
        #expect(decoder.malformedKinds["running-status data without status"] == 2)
        #expect(decoder.decode([0xF7]) == [])
        #expect(decoder.malformedKinds["stray end of sysex"] == 1)
        #expect(decoder.decode([0xF4, 0xFD]) == [])
        #expect(decoder.malformedKinds["undefined status 0xF4"] == 1)
        #expect(decoder.malformedKinds["undefined status 0xFD"] == 1)
        // An unterminated SysEx ends at the next status byte, which is decoded.
        #expect(decoder.decode([0xF0, 1, 2, 0x90, 61, 2]) == [.noteOn(channel: 0, note: 61, velocity: 2)])
        #expect(decoder.malformedKinds["sysex"] == 2)
    }

    @Test("a SysEx flood of 1,000 long events: counted, no messages, decoder still works afterwards")
    func sysexFlood() {
        var decoder = MIDIMessageDecoder()
        let sysex: [UInt8] = [0xF0] + (0..<200).map { UInt8($0 % 128) } + [0xF7]
        for _ in 0..<1_000 { #expect(decoder.decode(sysex).isEmpty) }
        #expect(decoder.malformedKinds == ["sysex": 1_000])
        #expect(decoder.decode([0xB2, 10, 20]) == [.controlChange(channel: 2, controller: 10, value: 20)])
    }

    @Test("random garbage never crashes; every byte is accounted for; valid input decodes right after")
    func garbage() {
        var random = SplitMix64(seed: 42)
        var decoder = MIDIMessageDecoder()
        var produced = 0
        for _ in 0..<2_000 {
            let count = Int(random.next() % 9)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            produced += decoder.decode(bytes).count
        }
        #expect(decoder.malformedCount > 0)
        #expect(produced > 0)
        _ = decoder.decode([0xFF])  // reset: back to a known state
        #expect(decoder.runningStatus == 0)
        #expect(decoder.decode([0x90, 1, 2, 0xF8]) == [.noteOn(channel: 0, note: 1, velocity: 2), .clock])
    }

    @Test("running-status garbage: a run of data bytes after a note-on pairs up, the odd one is truncated")
    func runningStatusGarbage() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([0x90, 1, 2, 3, 4, 5]) == [
            .noteOn(channel: 0, note: 1, velocity: 2), .noteOn(channel: 0, note: 3, velocity: 4),
        ])
        #expect(decoder.malformedKinds == ["truncated note-on": 1])
    }

    @Test("program change, pressure and pitch bend are valid but ignored; system common data is skipped")
    func ignoredMessages() {
        var decoder = MIDIMessageDecoder()
        #expect(decoder.decode([0xC0, 5, 0xD1, 9, 0xE2, 0, 64, 0xA0, 60, 1]) == [])
        #expect(decoder.ignored == 4)
        #expect(decoder.decode([0xF2, 1, 2, 0xF3, 3, 0xF1, 4, 0xF6]) == [])
        #expect(decoder.ignored == 8)
        #expect(decoder.malformedCount == 0)
        #expect(decoder.decode([5]) == [], "system common cancelled the running status")
        #expect(decoder.malformedCount == 1)
    }

    @Test("records: MIDI bytes and transport records decode, stamped with the record's times")
    func records() {
        var decoder = MIDIMessageDecoder()
        let note = JackMIDIRecord(kind: .midi, frameTime: 1_000, outputFrame: 500, length: 3, byte0: 0x90, byte1: 64, byte2: 1)
        #expect(note.bytes == [0x90, 64, 1])
        #expect(decoder.decodeTimed(record: note) == [TimedMIDIMessage(message: .noteOn(channel: 0, note: 64, velocity: 1), frameTime: 1_000, outputFrame: 500)])
        let beat = JackMIDIRecord(kind: .transportBeat, frameTime: 7, outputFrame: 8, bar: 3, beat: 2, transportFrame: 9_000)
        #expect(decoder.decode(record: beat) == [.transportBeat(bar: 3, beat: 2, transportFrame: 9_000)])
        #expect(decoder.decode(record: JackMIDIRecord(kind: .transportRolling, frameTime: 0, outputFrame: 0)) == [.transportRolling])
        #expect(decoder.decode(record: JackMIDIRecord(kind: .transportStopped, frameTime: 0, outputFrame: 0)) == [.transportStopped])
    }
}
