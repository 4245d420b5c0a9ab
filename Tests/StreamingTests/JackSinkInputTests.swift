import Foundation
import JackTestSupport
import Streaming
import Testing
import TestSupport

/// The JackSink's inputs (`control_in`, transport, `reference_in`) against real `jackd -d dummy`
/// servers, one per test. Serialized: libjack keeps per-process global state.
@Suite("JackSink inputs with a real JACK server", .serialized)
struct JackSinkInputTests {
    /// Drains the sink's control queue until `condition` holds for what was collected (or timeout).
    private func collect(_ sink: JackSink, timeout: Duration = .seconds(5),
                         until condition: ([JackMIDIRecord]) -> Bool) -> [JackMIDIRecord] {
        var records: [JackMIDIRecord] = []
        _ = JackTestRecorder.wait(timeout: timeout) {
            sink.drainMIDI { records.append($0) }
            return condition(records)
        }
        return records
    }

    private func midiRecords(_ records: [JackMIDIRecord]) -> [JackMIDIRecord] { records.filter { $0.kind == .midi } }

    @Test("ports, counters and errors: control_in and reference_in exist only when asked for")
    func portsAndErrors() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let plain = try JackSink(ring: SPSCRingBuffer(capacity: 1_024), configuration: .init(clientName: "plain", serverName: server.name))
        defer { plain.close() }
        #expect(plain.midiInputPortName == nil && plain.referenceInputPortName == nil && plain.referenceRing == nil)
        #expect(plain.drainMIDI { _ in Issue.record("no records without midiInput") } == 0)
        let sink = try JackSink(ring: SPSCRingBuffer(capacity: 1_024), configuration: .init(
            serverName: server.name, midiInput: true, referenceInput: true, referenceCapacity: 3_000))
        defer { sink.close() }
        #expect(sink.midiInputPortName == "omnibark:control_in")
        #expect(sink.referenceInputPortName == "omnibark:reference_in")
        #expect(sink.referenceRing?.capacity == 4_096)
        #expect(sink.processThreadID != nil)
        #expect(throws: JackSinkError.invalidCapacity(setting: "midiQueueCapacity", value: 0, allowed: "1...16777216")) {
            _ = try JackSink(ring: SPSCRingBuffer(capacity: 8), configuration: .init(serverName: server.name, midiInput: true, midiQueueCapacity: 0))
        }
        #expect(JackSinkError.invalidCapacity(setting: "referenceCapacity", value: -1, allowed: "1...1073741824").description
            == "JACK sink referenceCapacity must be in 1...1073741824, got -1")
    }

    @Test("a note sent at a known frame arrives with that frame and the output-timeline position")
    func noteTiming() throws {
        let server = try JackTestServer.start(synchronous: true)
        defer { server.stop() }
        let ring = SPSCRingBuffer(capacity: 1 << 17)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name, midiInput: true))
        defer { sink.close() }
        let sender = try JackTestMIDISender(server: server.name)
        defer { sender.close() }
        try sender.connect(to: try #require(sink.midiInputPortName))
        let period = UInt32(server.period)

        // Before any audio the timeline has not started: position 0.
        let early = try sender.send([.init(offset: 17, bytes: [0x90, 60, 100])])
        let before = midiRecords(collect(sink) { midiRecords($0).count >= 1 })
        try #require(before.count == 1, "got \(before)")
        #expect(before[0].bytes == [0x90, 60, 100])
        #expect(before[0].frameTime &- early.eventFrames[0] <= period || early.eventFrames[0] &- before[0].frameTime <= period)
        #expect(before[0].outputFrame == 0)

        // Audio running: three events in one cycle, then one more a few cycles later.
        #expect(ring.write([Float](repeating: 0.1, count: 1 << 16)) == 1 << 16)
        try #require(JackTestRecorder.wait(timeout: .seconds(5)) { sink.deliveredSamples > 4 * server.period })
        let timelineBefore = sink.outputTimelineFrames
        let xrunsBefore = sink.xruns
        let batch = try sender.send([.init(offset: 0, bytes: [0x91, 61, 90]), .init(offset: 100, bytes: [0xB0, 7, 64]),
                                     .init(offset: 200, bytes: [0x81, 61, 0])])
        usleep(50_000)
        let later = try sender.send([.init(offset: 5, bytes: [0xF8])])
        let timelineAfter = sink.outputTimelineFrames
        let records = midiRecords(collect(sink) { midiRecords($0).count >= 4 })
        let xrunsAfter = sink.xruns
        // Under CI load this once saw 3 of the 4 (the late clock byte missing) on an asynchronous server,
        // where a late client may miss a cycle; the server is synchronous now. The counters say where one went.
        let counters = "sink xruns \(xrunsBefore) → \(xrunsAfter), MIDI events read \(sink.midiEvents), "
            + "overflow \(sink.midiOverflow), sender write failures \(later.writeFailures)"
        try #require(records.count == 4, "got \(records); \(counters)")
        #expect(records.map(\.bytes) == [[0x91, 61, 90], [0xB0, 7, 64], [0x81, 61, 0], [0xF8]])
        let sentFrames = batch.eventFrames + later.eventFrames
        for (record, sent) in zip(records, sentFrames) {
            let difference = Int32(bitPattern: record.frameTime &- sent)
            #expect(abs(difference) <= Int32(period), "event sent at frame \(sent) arrived stamped \(record.frameTime)")
            #expect((timelineBefore...timelineAfter).contains(record.outputFrame))
        }
        // Within one cycle the timeline moves frame for frame with the offsets.
        #expect(records[1].outputFrame - records[0].outputFrame == 100)
        #expect(records[2].outputFrame - records[0].outputFrame == 200)
        #expect(Int(records[1].frameTime &- records[0].frameTime) == 100)
        // Across cycles too, when no xrun skipped a cycle in between.
        if xrunsAfter == xrunsBefore {
            #expect(records[3].outputFrame - records[0].outputFrame == Int(records[3].frameTime &- records[0].frameTime))
        }
        #expect(sink.midiEvents == 5)
        #expect(sink.sysexDropped == 0 && sink.midiOverflow == 0)
    }

    @Test("reference audio played into reference_in arrives in referenceRing sample for sample")
    func referenceAudio() throws {
        // Synchronous: on an asynchronous server a player that runs late under load misses a cycle,
        // and the sink then (rightly) records a gap; that once failed this test in a loop of runs.
        let server = try JackTestServer.start(synchronous: true)
        defer { server.stop() }
        let sink = try JackSink(ring: SPSCRingBuffer(capacity: 1_024), configuration: .init(serverName: server.name, referenceInput: true))
        defer { sink.close() }
        let reference = try #require(sink.referenceRing)
        var random = SplitMix64(seed: 5)
        let audio = (0..<24_000).map { _ in Float.random(in: 0.01...0.9, using: &random) * (Bool.random(using: &random) ? 1 : -1) }
        let player = try JackTestPlayer(server: server.name, capacity: audio.count)
        defer { player.close() }
        try player.connect(to: try #require(sink.referenceInputPortName))
        try player.play(audio)
        var captured: [Float] = []
        var started = false
        let complete = JackTestRecorder.wait(timeout: .seconds(10)) {
            var chunk = reference.read(maxCount: 8_192)
            if !started, let first = chunk.firstIndex(where: { $0 != 0 }) {
                started = true
                chunk.removeFirst(first)
            }
            if started { captured += chunk }
            return captured.count >= audio.count + 512
        }
        try #require(complete, "captured \(captured.count) samples; player played \(player.played)")
        let firstDifference = audio.indices.first { captured[$0] != audio[$0] }
        #expect(firstDifference == nil,
                "captured differs from the reference from sample \(firstDifference ?? 0) (xruns \(sink.xruns), player played \(player.played))")
        #expect(captured[audio.count...].allSatisfy { $0 == 0 }, "silence after the reference")
        #expect(sink.referenceOverflow == 0)
        #expect(sink.referenceFrames >= audio.count)
    }

    @Test("a reference ring nobody reads fills up; the rest is counted as overflow, cycles go on")
    func referenceOverflow() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let sink = try JackSink(ring: SPSCRingBuffer(capacity: 1_024), configuration: .init(
            serverName: server.name, referenceInput: true, referenceCapacity: 1_024))
        defer { sink.close() }
        try #require(JackTestRecorder.wait(timeout: .seconds(5)) { sink.cycles > 20 })
        #expect(sink.referenceFrames == 1_024)
        #expect(sink.referenceOverflow >= 16 * server.period)
        #expect(sink.referenceRing?.availableToRead == 1_024)
    }

    @Test("SysEx and garbage floods are counted, a small queue overflows without blocking, the callback keeps running")
    func floods() throws {
        let server = try JackTestServer.start(synchronous: true)
        defer { server.stop() }
        let sink = try JackSink(ring: SPSCRingBuffer(capacity: 1_024), configuration: .init(
            serverName: server.name, midiInput: true, midiQueueCapacity: 64))
        defer { sink.close() }
        let sender = try JackTestMIDISender(server: server.name)
        defer { sender.close() }
        try sender.connect(to: try #require(sink.midiInputPortName))
        var random = SplitMix64(seed: 9)
        var sysexSent = 0
        var shortSent = 0
        let cyclesBefore = sink.cycles
        for _ in 0..<40 {
            var events: [JackTestMIDISender.Event] = []
            for i in 0..<2 {
                events.append(.init(offset: i * 50, bytes: [0xF0] + (0..<60).map { _ in UInt8(random.next() % 128) } + [0xF7]))
            }
            for i in 0..<30 {
                let length = 1 + Int(random.next() % 3)
                events.append(.init(offset: 100 + i, bytes: (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
            }
            let sent = try sender.send(events)
            try #require(sent.writeFailures == 0, "the sender's port buffer refused \(sent.writeFailures) events")
            sysexSent += 2
            shortSent += 30
        }
        try #require(JackTestRecorder.wait(timeout: .seconds(5)) {
            sink.sysexDropped == sysexSent && sink.midiEvents + sink.midiOverflow == shortSent
        }, "sysex \(sink.sysexDropped)/\(sysexSent), short \(sink.midiEvents)+\(sink.midiOverflow)/\(shortSent)")
        #expect(sink.midiOverflow > 0, "64 slots cannot hold 1,200 events nobody drains")
        #expect(sink.midiEvents == 64)
        let cyclesAfterFlood = sink.cycles
        #expect(cyclesAfterFlood >= cyclesBefore + 40, "one batch per cycle")
        #expect(JackTestRecorder.wait(timeout: .seconds(5)) { sink.cycles > cyclesAfterFlood + 10 }, "the callback keeps running")

        // The garbage decodes without crashing; a valid note after the flood still comes through.
        var decoder = MIDIMessageDecoder()
        #expect(sink.drainMIDI { _ = decoder.decode(record: $0) } == 64)
        #expect(decoder.malformedCount > 0)
        _ = try sender.send([.init(offset: 3, bytes: [0x9A, 70, 80])])
        let records = collect(sink) { !$0.isEmpty }
        #expect(records.map(\.bytes) == [[0x9A, 70, 80]])
    }

    @Test("transport: rolling, one record per beat with bar/beat from the timebase master, then stopped")
    func transport() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let sink = try JackSink(ring: SPSCRingBuffer(capacity: 1_024), configuration: .init(serverName: server.name, midiInput: true))
        defer { sink.close() }
        let master = try JackTestMIDISender(server: server.name, clientName: "timebase")
        defer { master.close() }
        try master.becomeTimebaseMaster(beatsPerMinute: 600, sampleRate: server.sampleRate)  // 4,800 frames a beat
        try master.startTransport()
        let rolled = collect(sink, timeout: .seconds(10)) { $0.filter { $0.kind == .transportBeat }.count >= 6 }
        try master.stopTransport()
        let stopped = collect(sink) { $0.contains { $0.kind == .transportStopped } }
        let records = rolled + stopped
        #expect(records.first?.kind == .transportRolling)
        #expect(records.last?.kind == .transportStopped)
        let beats = records.filter { $0.kind == .transportBeat }
        try #require(beats.count >= 6, "records: \(records)")
        for (previous, next) in zip(beats, beats.dropFirst()) {
            let expectedBeat = previous.beat == 4 ? 1 : previous.beat + 1
            let expectedBar = previous.beat == 4 ? previous.bar + 1 : previous.bar
            #expect((next.bar, next.beat) == (expectedBar, expectedBeat), "after \(previous.bar).\(previous.beat) came \(next.bar).\(next.beat)")
            let frames = Int(next.transportFrame) - Int(previous.transportFrame)
            // A record carries the transport position at its cycle's start: one period of
            // slack, and under load (xruns skip cycles, SYSTEM-NOTES) a few more.
            let slack = server.period * (sink.xruns > 0 ? 4 : 1)
            #expect(abs(frames - 4_800) <= slack, "beat to beat \(frames) frames (\(sink.xruns) xruns)")
        }
        #expect(sink.transportBeats == beats.count)
    }
}
