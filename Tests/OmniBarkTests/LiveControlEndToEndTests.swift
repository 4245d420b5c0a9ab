import Bark
import Foundation
import JackTestSupport
import LiveControl
import Modalities
import Streaming
import Testing
@testable import OmniBark
import TestSupport

/// Live control through the one engine, with real servers: a JACK MIDI note lands in the event
/// log at the sample it was sent, reference audio played into `reference_in` reaches the audio
/// adapter, OSC and far-off events are applied or refused as documented.
@Suite(.serialized) struct LiveControlEndToEndTests {
    static func conditionedModel(gate: Float) throws -> OmniModel {
        let speech = try OmniLegacyCompatibilityTests.model()
        return try OmniModel(speech: speech, adapterFile: try OmniLegacyCompatibilityTests.adapterFile(for: speech, gate: gate, scale: 50),
                             clipDirectory: nil)
    }

    static func logLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        JackTestRecorder.wait(timeout: .milliseconds(Int(seconds * 1000)), until: condition)
    }

    /// A note-on sent by a JACK MIDI client while speech plays is logged with the output sample
    /// at which it arrived (± one period) and applied to the running generation.
    @Test func midiNoteLandsAtItsSampleAndIsApplied() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let folder = try FixturePaths.temporaryDirectory("live-midi")
        defer { try? FileManager.default.removeItem(at: folder) }
        let logURL = folder.appendingPathComponent("events.jsonl")
        let inbox = LiveEventInbox(log: try LiveEventLog(url: logURL))
        let jack = try JackAudioSink(configuration: JackSink.Configuration(clientName: "omnibark", serverName: server.name, midiInput: true),
                                     bufferSeconds: 1)
        defer { jack.cancel() }
        let bridge = JackMIDIBridge(jack: jack.jack, map: MIDIEventMapping.dawMap, inbox: inbox)
        bridge.start()
        defer { bridge.stop() }
        let sender = try JackTestMIDISender(server: server.name)
        defer { sender.close() }
        try sender.connect(to: "omnibark:control_in")

        var configuration = EngineConfiguration()
        configuration.speech.greedy = true
        configuration.speech.minEOSProbability = nil
        configuration.speech.maxSemanticTokens = 150
        configuration.fineMode = .chunked(chunk: 8, lookahead: 8, context: 16)
        configuration.events = inbox
        let engine = try StreamingEngine(model: try Self.conditionedModel(gate: 2), sink: jack, configuration: configuration)
        engine.start()
        for _ in 0..<4 { try engine.say("The quick brown fox jumps over the lazy dog.") }
        // Audio plays (the output timeline moves) while more is still being generated.
        #expect(Self.wait(60) { jack.jack.outputTimelineFrames > 4_800 })
        let before = jack.jack.outputTimelineFrames
        let batch = try sender.send([.init(offset: 10, bytes: [0x90, 36, 100])])
        let after = jack.jack.outputTimelineFrames
        #expect(batch.writeFailures == 0)
        #expect(Self.wait(30) { inbox.counters.applied + inbox.counters.dropped >= 1 })
        engine.cancel()

        let line = try #require(try Self.logLines(logURL).first { $0["source"] as? String == "midi" })
        #expect(line["kind"] as? String == "sfx")
        #expect(line["payload"] as? Int == 0, "note 36 is slot 0 in the daw map: \(line)")
        let received = try #require(line["received_sample"] as? Int)
        // 48 kHz output timeline → 24 kHz engine samples; one period is 256 frames.
        #expect(received * 2 >= before - 2 && received * 2 <= after + 256, "received \(received * 2) outside \(before)…\(after + 256)")
        #expect(line["applied_frame"] != nil, "applied while the utterances were generated: \(line)")
        #expect((line["latency_ms"] as? Double ?? -1) >= 0)
        #expect(engine.statistics.events.applied >= 1)
    }

    /// Reference audio played into `omnibark:reference_in` by a JACK client conditions the next
    /// utterance through the audio adapter; with zero gates the audio is plain Bark's.
    @Test func referenceAudioFromJackReachesTheAdapter() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let jack = try JackAudioSink(configuration: JackSink.Configuration(clientName: "omnibark", serverName: server.name, referenceInput: true))
        defer { jack.cancel() }
        let ring = try #require(jack.jack.referenceRing)
        let speech = try OmniLegacyCompatibilityTests.model()
        let window = LiveReferenceWindow(ring: ring, inputRate: jack.sampleRate, windowSeconds: 2, refreshSeconds: 0.5, codec: speech.codec)
        window.start()
        defer { window.stop() }
        let tone = (0..<jack.sampleRate * 2).map { Float(sin(Double($0) * 0.03)) * 0.3 }
        let player = try JackTestPlayer(server: server.name, capacity: tone.count)
        defer { player.close() }
        try player.connect(to: "omnibark:reference_in")
        try player.play(tone)
        #expect(Self.wait(20) { window.snapshot != nil })
        let snapshot = try #require(window.snapshot)
        #expect(snapshot.features.shape.first ?? 0 > 0)
        #expect(window.figures.secondsHeld > 0.5)

        func speak(_ model: OmniModel, live: LiveReferenceWindow?) throws -> (audio: [Float], conditioned: [String]) {
            let sink = CountingSink()
            var configuration = EngineConfiguration()
            configuration.speech = StreamingEngineTests.sampled(seed: 3)
            configuration.fineMode = .exact
            configuration.liveReference = live
            let engine = try StreamingEngine(model: model, sink: sink, configuration: configuration)
            engine.start()
            let id = try engine.say(StreamingEngineTests.text)
            try engine.finish()
            return (sink.samples, engine.status(of: id)?.conditioned ?? [])
        }
        let plain = try speak(try OmniModel(speech: speech), live: nil)
        let steered = try speak(try Self.conditionedModel(gate: 2), live: window)
        #expect(steered.conditioned == ["reference audio"])
        #expect(steered.audio != plain.audio, "non-zero gates: the live reference changes the generation")
        let zero = try speak(try Self.conditionedModel(gate: 0), live: window)
        #expect(zero.conditioned == ["reference audio"])
        #expect(zero.audio == plain.audio, "zero gates: bit-identical to plain Bark")
    }

    /// Events posted just before `finish()` — what `live` does with the last lines of standard input —
    /// are not lost: the `say` is spoken, and a beat due long after the stream ends is logged dropped
    /// with the reason (before, both stayed in the inbox: received, never applied nor dropped).
    @Test func eventsPostedBeforeFinishAreSpokenOrAccountedFor() throws {
        let folder = try FixturePaths.temporaryDirectory("live-finish")
        defer { try? FileManager.default.removeItem(at: folder) }
        let logURL = folder.appendingPathComponent("events.jsonl")
        let inbox = LiveEventInbox(log: try LiveEventLog(url: logURL))
        var configuration = EngineConfiguration()
        configuration.speech = StreamingEngineTests.sampled(seed: 3)
        configuration.fineMode = .exact
        configuration.events = inbox
        let engine = try StreamingEngine(model: try Self.conditionedModel(gate: 2), sink: CountingSink(), configuration: configuration)
        engine.start()
        inbox.post(LiveEvent(source: .stdin, action: .say(StreamingEngineTests.text), receivedSample: 0))
        inbox.post(LiveEvent(source: .stdin, action: .control(.beatMarker, .none), receivedSample: 0, dueSample: 30 * 24_000))
        let statistics = try engine.finish()
        #expect(statistics.utterances == 1, "the say posted before finish() is spoken")
        let counters = inbox.counters
        #expect(counters.received == 2 && counters.applied == 1 && counters.dropped == 1, "\(counters)")
        let beat = try #require(try Self.logLines(logURL).first { $0["kind"] as? String == "beat" })
        #expect((beat["dropped"] as? String)?.contains("stream ended") == true, "\(beat)")
    }

    /// OSC sent with `oscsend`: a session change while idle is applied at once; a beat due half a
    /// second into the next utterance is applied at that step; far-off events are refused.
    @Test func oscEventsAreLoggedAndApplied() throws {
        let oscsend = try JackTestServer.requireTool("oscsend")
        let folder = try FixturePaths.temporaryDirectory("live-osc")
        defer { try? FileManager.default.removeItem(at: folder) }
        let logURL = folder.appendingPathComponent("events.jsonl")
        let inbox = LiveEventInbox(log: try LiveEventLog(url: logURL))
        var configuration = EngineConfiguration()
        configuration.speech.greedy = true
        configuration.speech.minEOSProbability = nil
        configuration.speech.maxSemanticTokens = 80
        configuration.fineMode = .exact
        configuration.events = inbox
        let sink = CountingSink()
        let engine = try StreamingEngine(model: try Self.conditionedModel(gate: 2), sink: sink, configuration: configuration)
        let osc = try OSCControlServer(port: 0, inbox: inbox, playedSamples: { engine.outputPosition })
        defer { osc.stop() }
        engine.start()
        func send(_ arguments: [String]) throws {
            let run = try ProcessRun.run(URL(fileURLWithPath: oscsend), ["localhost", "\(osc.port)"] + arguments)
            #expect(run.status == 0, "oscsend \(arguments): \(run.stderr)")
        }
        try send(["/omnibark/weight/audio", "f", "0.5"])
        #expect(Self.wait(10) { inbox.counters.applied >= 1 })
        #expect(engine.sessionConditioning.routing.audio.weight == 0.5)
        try send(["/omnibark/beat", "f", "0.5"])        // due 0.5 s after now: inside the next utterance
        try send(["/omnibark/sfx", "if", "2", "600"]) // 10 minutes ahead: refused
        #expect(Self.wait(10) { inbox.counters.received >= 3 })
        try send(["/omnibark/say", "s", "Hello from OSC."])
        #expect(Self.wait(60) { engine.statistics.utterances >= 1 })
        try engine.finish()

        let lines = try Self.logLines(logURL)
        let beat = try #require(lines.first { $0["kind"] as? String == "beat" })
        let frame = try #require(beat["applied_frame"] as? Int, "\(beat)")
        let received = try #require(beat["received_sample"] as? Int)
        // Addresses the audio half a second after arrival (it joins the utterance ahead of that step).
        #expect(abs(Double(frame) - (Double(received) / 24_000 + 0.5) * 75) <= 3, "frame \(frame), received \(received)")
        let far = try #require(lines.first { $0["kind"] as? String == "sfx" })
        #expect((far["dropped"] as? String)?.contains("ahead") == true, "\(far)")
        let say = try #require(lines.first { $0["kind"] as? String == "say" })
        #expect(say["applied_frame"] != nil)
        #expect(engine.statistics.events.applied >= 3 && engine.statistics.events.dropped >= 1)
    }

    /// SysEx floods, running-status garbage and truncated messages on the JACK MIDI input are
    /// counted as malformed (reported once per kind), and a valid note after them still lands.
    @Test func midiGarbageIsCountedReportedOnceAndIgnored() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let heard = DiagnosticsLines()
        let inbox = LiveEventInbox(diagnostics: { heard.append($0) })
        let jack = try JackAudioSink(configuration: JackSink.Configuration(clientName: "omnibark", serverName: server.name, midiInput: true))
        defer { jack.cancel() }
        let bridge = JackMIDIBridge(jack: jack.jack, map: MIDIEventMapping.dawMap, inbox: inbox)
        bridge.start()
        defer { bridge.stop() }
        let sender = try JackTestMIDISender(server: server.name)
        defer { sender.close() }
        try sender.connect(to: "omnibark:control_in")
        let cyclesBefore = jack.jack.cycles
        for round in 0..<20 {
            var events: [JackTestMIDISender.Event] = (0..<10).map { .init(offset: $0, bytes: [0xF0] + Array(repeating: 0x11, count: 64) + [0xF7]) }
            // Tune request (valid, cancels the running status), then two data bytes with no
            // status to apply them to: two malformed bytes.
            events.append(.init(offset: 19, bytes: [0xF6]))
            events.append(.init(offset: 20, bytes: [0x45, 0x23]))
            events.append(.init(offset: 21, bytes: [0x90, UInt8(36 + round % 2)]))  // a truncated note-on
            _ = try sender.send(events)
        }
        _ = try sender.send([.init(offset: 5, bytes: [0x90, 37, 90])])
        #expect(Self.wait(10) { inbox.counters.received >= 1 && inbox.counters.malformed >= 20 * 13 })
        #expect(inbox.counters.malformed == 20 * 13, "\(inbox.counters)")
        let events = inbox.drain()
        #expect(events.map(\.action) == [.control(.sfxTrigger, .number(1))])
        // Each kind of trouble is reported once, however often it came.
        let lines = heard.lines
        #expect(lines.count == Set(lines.map { $0.components(separatedBy: ":").prefix(2).joined() }).count, "\(lines)")
        #expect(lines.contains { $0.contains("sysex") }, "\(lines)")
        #expect(jack.jack.cycles > cyclesBefore, "the process callback kept running")
    }
}

/// Collects diagnostics lines from any thread.
///
/// Thread safety: a lock around the array.
final class DiagnosticsLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
