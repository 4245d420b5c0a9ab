import Bark
import Foundation
import JackTestSupport
import Streaming
import Testing
@testable import OmniBark
import TestSupport

/// Records what the engine hands its sink, then forwards it.
final class TeeSink: AudioSink, @unchecked Sendable {
    let inner: any AudioSink
    private let lock = NSLock()
    private var recorded: [Float] = []
    init(_ inner: any AudioSink) { self.inner = inner }
    var sampleRate: Int { inner.sampleRate }
    var samples: [Float] { lock.withLock { recorded } }
    func write(_ samples: [Float]) throws {
        lock.withLock { recorded += samples }
        try inner.write(samples)
    }
    func endOfUtterance() throws { try inner.endOfUtterance() }
    func finish() throws { try inner.finish() }
    func cancel() { inner.cancel() }
}

/// The live engine into a real JACK server (`jackd -d dummy`), recorded by a second JACK client.
@Suite(.serialized) struct LiveEngineJackTests {
    @Test func everySampleTheEngineProducesReachesAJackClient() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let model = try SpeechModel(directory: FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled"))
        let jack = try JackAudioSink(configuration: JackSink.Configuration(clientName: "omnibark", serverName: server.name))
        defer { jack.cancel() }
        #expect(jack.sampleRate == 48_000)
        let recorder = try JackTestRecorder(server: server.name, capacity: 48_000 * 8, triggerOnNonZero: true)
        defer { recorder.close() }
        try recorder.connect(from: "omnibark:out_1")
        let tee = TeeSink(jack)

        var options = EngineConfiguration()
        options.speech.greedy = true
        options.speech.maxSemanticTokens = 30
        options.fineMode = .chunked(chunk: 8, lookahead: 8, context: 16)
        let engine = try StreamingEngine(model: model, sink: tee, configuration: options,
                                         sinkCounters: { (jack.underruns, jack.jack.xruns) })
        engine.start()
        try engine.say("Hello, my dog is cute.")
        try engine.say("A second line.")
        let statistics = try engine.finish()

        let expected = tee.samples.filter { $0 != 0 }
        #expect(expected.count > 48_000 / 2)
        _ = JackTestRecorder.wait(timeout: .seconds(5)) { recorder.samples().filter { $0 != 0 }.count >= expected.count }
        // Underruns insert silence; apart from that the recording is the engine's output exactly.
        // The dummy driver runs in real time, and under load an xrun can skip one cycle of a client
        // (SYSTEM-NOTES): then at most one period per xrun may be missing, but what arrives must
        // still be the engine's samples in order, none duplicated.
        let received = recorder.samples().filter { $0 != 0 }
        let xruns = jack.jack.xruns
        let exact = received == expected
        if !exact {
            #expect(xruns > 0, "samples lost without any xrun: received \(received.count) of \(expected.count)")
            #expect(expected.count - received.count <= xruns * 256, "received \(received.count) of \(expected.count) with \(xruns) xruns")
            #expect(Self.isInOrderSubsequence(received, of: expected), "received samples are not the engine's, in order")
        }
        #expect(statistics.utterances == 2)
        #expect((statistics.timeToFirstAudio ?? 0) > 0)
        #expect(statistics.audioSeconds > 0.5)
        print(String(format: "live into JACK: TTFA %.3f s, RTF %.3f, %.2f s of audio, underruns %d, xruns %d",
                     statistics.timeToFirstAudio ?? -1, statistics.realTimeFactor, statistics.audioSeconds,
                     statistics.underruns, statistics.xruns))
    }

    /// Whether `part` is `whole` with some elements left out (order kept, nothing added).
    static func isInOrderSubsequence(_ part: [Float], of whole: [Float]) -> Bool {
        var i = 0
        for value in whole where i < part.count && part[i] == value { i += 1 }
        return i == part.count
    }

    @Test func liveCommandPlaysIntoJackAndExits() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let recorder = try JackTestRecorder(server: server.name, capacity: 48_000 * 8, triggerOnNonZero: true)
        defer { recorder.close() }
        let run = try CommandRun.omnibark(["live", "--model", FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled").path,
                                           "--server", server.name, "--connect", recorder.portName, "--greedy",
                                           "--max-semantic-tokens", "30", "Hello, my dog is cute."],
                                          environment: ["JACK_NO_START_SERVER": "1"])
        let stderr = run.stderr
        #expect(run.status == 0, "\(stderr)")
        #expect(stderr.contains("time to first audio"))
        // 30 semantic tokens → 90 coarse tokens = 45 frames → 14 400 samples at 24 kHz → 28 800 at 48 kHz.
        let received = recorder.samples().filter { $0 != 0 }.count
        #expect(received > 27_000 && received <= 28_900, "received \(received) samples")
    }

    @Test func noServerIsExplained() throws {
        let run = try CommandRun.omnibark(["live", "--model", FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled").path,
                                           "--server", "omnibark-no-such-server-\(UUID().uuidString.prefix(8))", "Hi"],
                                          environment: ["JACK_NO_START_SERVER": "1"])
        let stderr = run.stderr
        #expect(run.status != 0)
        #expect(stderr.contains("jackd -d dummy"))
    }

    /// `live` with a WAV sink: text lines are spoken, JSON lines are live control events (logged
    /// in the event log), a bad JSON line is counted as malformed and skipped.
    @Test func liveCommandTakesControlLinesOnStandardInput() throws {
        let folder = try FixturePaths.temporaryDirectory("live-lines")
        defer { try? FileManager.default.removeItem(at: folder) }
        let wav = folder.appendingPathComponent("live.wav")
        let log = folder.appendingPathComponent("events.jsonl")
        let input = """
        Hello, my dog is cute.
        {"kind": "weight", "modality": "audio", "payload": 0.5}
        {"kind": "drum"}
        A second line.

        """
        let run = try CommandRun.omnibark(["live", "--model", FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled").path,
                                           "--sink", "wav:\(wav.path)", "--event-log", log.path, "--greedy", "--max-semantic-tokens", "20",
                                           "--no-watermark"], input: Data(input.utf8))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("spoke 2 utterance(s)"), "\(run.stderr)")
        #expect(run.stderr.contains("events received 1, applied 1, dropped 0, malformed 1"), "\(run.stderr)")
        #expect(run.stderr.contains("skipped line 3: not a control event"), "\(run.stderr)")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains(#""kind":"weight""#) && $0.contains("applied_frame") }, "\(lines)")
        #expect(lines.contains { $0.contains(#""kind":"malformed""#) && $0.contains(#""source":"stdin""#) }, "\(lines)")
        #expect(FileManager.default.fileExists(atPath: wav.path))
    }
}
