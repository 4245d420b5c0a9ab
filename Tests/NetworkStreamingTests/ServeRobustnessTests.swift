import Bark
import Checkpoints
import Foundation
import NetworkStreaming
import OmniBark
import Testing

/// `serve` under bad input: a failing request fails alone, voices are names only, the queue has a
/// stated capacity, and the session ends quickly and safely in any order.
@Suite(.serialized) struct ServeRobustnessTests {
    static let model = NetworkTestSupport.fixtureModel

    private func makeSession(queue: Int = 64, voices: [URL] = [], log: LogLines = LogLines()) throws -> ServeSession {
        var options = ServeOptions()
        options.engine.speech.greedy = true
        options.http.port = 0
        options.maxQueuedRequests = queue
        options.voiceDirectories = voices
        return try ServeSession(model: try SpeechModel(directory: Self.model), options: options, log: { log.append($0) })
    }

    private func post(_ port: Int, _ path: String, _ json: String) throws -> (Int, String) {
        try NetworkTestSupport.curl(["--data-binary", json, "http://127.0.0.1:\(port)\(path)"])
    }

    private func get(_ port: Int, _ path: String) throws -> (Int, [String: Any]) {
        let (status, body) = try NetworkTestSupport.curl(["http://127.0.0.1:\(port)\(path)"])
        return (status, (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:])
    }

    /// A preset that fits the fixture model in every way but the fine prompt's row count.
    static func threeRowVoice(_ model: SpeechModel) throws -> VoicePreset {
        let c = model.generator.configuration
        return try VoicePreset(semanticPrompt: [1, 2, 3, 4], coarsePrompt: Array(repeating: Array(repeating: 1, count: 6), count: c.coarse.codebooks),
                               finePrompt: Array(repeating: Array(repeating: 1, count: 6), count: 3))
    }

    @Test func aFailingRequestFailsAloneAndTheStreamGoesOn() throws {
        let log = LogLines()
        let session = try makeSession(log: log)
        let port = try session.start()
        defer { try? session.shutdown() }
        // Bypasses the HTTP checks on purpose: the generation itself fails for this request.
        let (failing, _) = try session.engine.say(EngineRequest(text: "This one breaks.", voice: try Self.threeRowVoice(session.model)))
        let (status, body) = try post(port, "/say", #"{"text": "Second request."}"#)
        #expect(status == 202, "\(body)")
        let second = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["id"] as? Int ?? -1
        #expect(NetworkTestSupport.waitFor(120) { session.engine.status(of: second)?.state.isFinal == true })

        let (_, first) = try get(port, "/say/\(failing)")
        #expect(first["state"] as? String == "failed")
        #expect((first["reason"] as? String)?.contains("fine prompt") == true, "\(first)")
        #expect(log.lines.contains { $0.contains("request #\(failing) failed:") && $0.contains("fine prompt") }, "logged at once: \(log.lines)")
        #expect(!log.lines.contains { $0.contains("This one breaks") }, "the text is not logged")
        let (_, after) = try get(port, "/say/\(second)")
        #expect(after["state"] as? String == "done", "\(after)")
        let (_, statusDocument) = try get(port, "/status")
        #expect(statusDocument["speaking"] as? Bool == false)
        #expect(statusDocument["failedRequests"] as? Int == 1)
        #expect(statusDocument["utterances"] as? Int == 1)
        // The stream is still open to new listeners and requests.
        let (head, _) = try NetworkTestSupport.curl(["-I", "http://127.0.0.1:\(port)/stream.opus"])
        #expect(head == 200)
        let (again, _) = try post(port, "/say", #"{"text": "Third."}"#)
        #expect(again == 202)
        let (unknown, missing) = try get(port, "/say/99999")
        #expect(unknown == 404 && (missing["error"] as? String)?.contains("no request #99999") == true)
        let (badID, _) = try get(port, "/say/abc")
        #expect(badID == 400)
    }

    @Test func voicesAreNamesOnlyAndRepliesShowNoServerPath() throws {
        let voices = try NetworkTestSupport.temporaryDirectory("voices")
        defer { try? FileManager.default.removeItem(at: voices) }
        let speech = try SpeechModel(directory: Self.model)
        let c = speech.generator.configuration
        let good = try VoicePreset(semanticPrompt: [1, 2, 3, 4],
                                   coarsePrompt: Array(repeating: Array(repeating: 1, count: 6), count: c.coarse.codebooks),
                                   finePrompt: Array(repeating: Array(repeating: 1, count: 6), count: c.fine.codebooks))
        try good.save(to: voices.appendingPathComponent("guest.npz"))
        try Self.threeRowVoice(speech).save(to: voices.appendingPathComponent("broken.npz"))
        let session = try makeSession(voices: [voices])
        let port = try session.start()
        defer { try? session.shutdown() }

        var replies: [String] = []
        // Paths are never opened: an existing file and a missing one get the same answer.
        for name in ["/root/.bashrc", "/nonexistent/x.npz", "../../etc/passwd", voices.appendingPathComponent("guest.npz").path] {
            let (status, body) = try post(port, "/say", "{\"text\": \"Hi.\", \"voice\": \"\(name)\"}")
            #expect(status == 400, "\(name): \(body)")
            #expect(body.contains("unknown voice preset"), "\(name): \(body)")
            #expect(!body.contains("zip") && !body.contains("malformed"), "\(name): \(body)")
            replies.append(body)
        }
        let (broken, brokenBody) = try post(port, "/say", #"{"text": "Hi.", "voice": "broken"}"#)
        #expect(broken == 400 && brokenBody.contains("fine_prompt"), "\(brokenBody)")
        replies.append(brokenBody)
        let (accepted, acceptedBody) = try post(port, "/say", #"{"text": "Hi.", "voice": "guest"}"#)
        #expect(accepted == 202, "\(acceptedBody)")
        let (_, list) = try NetworkTestSupport.curl(["http://127.0.0.1:\(port)/voices"])
        #expect(list.contains("guest") && list.contains("broken"), "\(list)")
        replies.append(list)
        for reply in replies {
            #expect(!reply.contains(voices.path) && !reply.contains(Self.model.path), "no server path in \(reply)")
        }
    }

    @Test func theQueueHasAStatedCapacity() throws {
        let sink = RecordingSink(sampleRate: 24_000)
        var small = EngineConfiguration()
        small.queueCapacity = 2
        let engine = try StreamingEngine(model: try SpeechModel(directory: Self.model), sink: sink, configuration: small)
        _ = try engine.say(EngineRequest(text: "One."))
        _ = try engine.say(EngineRequest(text: "Two."))
        #expect(throws: EngineSayError.queueFull(capacity: 2)) { try engine.say(EngineRequest(text: "Three.")) }
        #expect(EngineSayError.queueFull(capacity: 2).description.contains("2 requests"))
        // Never started: finishing cancels what waits, instead of waiting forever.
        try engine.finish()
        #expect(engine.status(of: 1)?.state.name == "cancelled")
        #expect(throws: EngineSayError.self) { try engine.say(EngineRequest(text: "Late.")) }

        let session = try makeSession(queue: 5)
        let port = try session.start()
        defer { try? session.shutdown() }
        let (_, status) = try get(port, "/status")
        #expect(status["queueCapacity"] as? Int == 5)
    }

    /// A long request is spoken segment by segment, not cut at Bark's 256-token text window.
    @Test func longTextIsSegmented() throws {
        var options = EngineConfiguration()
        options.speech.greedy = true
        options.speech.maxSemanticTokens = 8
        let engine = try StreamingEngine(model: try SpeechModel(directory: Self.model), sink: RecordingSink(sampleRate: 24_000), configuration: options)
        engine.start()
        let sentence = "This sentence is long enough that no two of them fit in one segment of speech, which holds 180 characters."
        let one = try engine.say(EngineRequest(text: sentence)).id
        let three = try engine.say(EngineRequest(text: [sentence, sentence, sentence].joined(separator: " "))).id
        try engine.finish()
        let single = engine.status(of: one)?.audioSeconds ?? 0
        let triple = engine.status(of: three)?.audioSeconds ?? 0
        #expect(single > 0 && triple > 2 * single, "one segment \(single) s, three segments \(triple) s")
    }

    /// finish, shutdown and cancel in any order, any number of times, started or not: none hangs.
    @Test(arguments: [["finish", "finish"], ["cancel", "cancel", "finish"], ["shutdown", "finish", "cancel"],
                      ["start", "cancel", "cancel", "finish"], ["start", "finish", "shutdown"], ["start", "shutdown", "cancel", "finish"]])
    func endingInAnyOrderNeverHangs(_ steps: [String]) throws {
        let engine = try StreamingEngine(model: try SpeechModel(directory: Self.model), sink: RecordingSink(sampleRate: 24_000))
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for step in steps {
                switch step {
                case "start": engine.start(); _ = try? engine.say(EngineRequest(text: "Hello there."))
                case "finish": _ = try? engine.finish()
                case "shutdown": _ = try? engine.shutdown()
                default: engine.cancel()
                }
            }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 120) == .success, "\(steps) returned")
    }

    @Test func shutdownCancelsTheQueueStopsSoonAndEndsTheStream() throws {
        let session = try makeSession()
        let port = try session.start()
        let listener = try RawListener(port: port)
        #expect(NetworkTestSupport.waitFor(10) { session.broadcaster.listenerCount == 1 })
        var ids: [Int] = []
        for text in ["A first sentence to speak.", "A second one.", "A third one.", "A fourth one."] {
            ids.append(try session.engine.say(EngineRequest(text: text)).id)
        }
        #expect(NetworkTestSupport.waitFor(60) { session.engine.statistics.speaking })
        let started = Date()
        try session.shutdown()
        let seconds = Date().timeIntervalSince(started)
        print("serve shutdown with 3 requests queued and one speaking took \(String(format: "%.2f", seconds)) s")
        #expect(seconds < 20, "the queue is not played out in real time")
        #expect(throws: EngineSayError.closed(reason: "the server is shutting down")) { try session.engine.say(EngineRequest(text: "Late.")) }
        let states = ids.map { session.engine.status(of: $0)?.state.name ?? "?" }
        #expect(states.dropFirst().allSatisfy { $0 == "cancelled" }, "\(states)")
        #expect(session.engine.statistics.utterances <= 1)
        // The listener got the end of the stream.
        #expect(NetworkTestSupport.waitFor(10) { !listener.readAvailable() })
        #expect(OggPage.split(listener.body()).last?.isEndOfStream == true)
        listener.close()
    }

    @Test func portsAndBindFailuresAreNamed() throws {
        var configuration = OpusHTTPServer.Configuration()
        configuration.port = 70_000
        let broadcaster = try OpusBroadcaster(configuration: { var c = OpusBroadcaster.Configuration(); c.pacing = .immediate; return c }())
        #expect(throws: HTTPServerError.invalidPort(70_000)) { try OpusHTTPServer(configuration: configuration, broadcaster: broadcaster).start() }

        let first = try makeSession()
        let port = try first.start()
        defer { try? first.shutdown() }
        var options = ServeOptions()
        options.http.port = port
        let second = try ServeSession(model: first.model, options: options, log: { _ in })
        do {
            _ = try second.start()
            Issue.record("a second server bound the same port")
        } catch {
            let message = "\(error)"
            #expect(message.contains("127.0.0.1:\(port)") && message.contains("Address already in use"), "\(message)")
            #expect(!message.contains("IOError") && !message.contains("errno"), "\(message)")
        }
        second.engine.cancel()
        broadcaster.cancel()
    }
}

/// Log lines collected from a session.
///
/// Thread safety: the lines are guarded by a lock; sessions log from their own threads.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
