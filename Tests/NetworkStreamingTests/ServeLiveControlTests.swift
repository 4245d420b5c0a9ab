import Audio
import Bark
import Foundation
import LiveControl
import Modalities
import NetworkStreaming
import OmniBark
import Testing

/// `serve` with every modality over `/say`, live events over `POST /control` (and a flood of bad
/// ones), and `/metrics`.
@Suite(.serialized) struct ServeLiveControlTests {
    static let clip = NetworkTestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/clip")

    /// Zero-gate adapters for the scaled fixture (hidden 16) and the tiny CLIP (hidden 32): every
    /// modality runs through its encoder and adapter.
    static func session(folder: URL, metrics: Bool = false) throws -> ServeSession {
        var adapters = AdapterConfiguration(hiddenSize: 16, heads: 2, fusionLayers: [1])
        adapters.imageInputSize = 32
        adapters.audioInputSize = 8
        let file = folder.appendingPathComponent("adapters.safetensors")
        try AdapterCheckpoint.writeInitialised(adapters, seed: 5, to: file)
        let speech = try SpeechModel(directory: NetworkTestSupport.fixtureModel)
        var options = ServeOptions()
        options.engine.speech.greedy = true
        options.engine.speech.maxSemanticTokens = 16
        options.engine.events = LiveEventInbox()
        options.http.port = 0
        options.http.maxRequestBytes = 4 << 20
        options.metrics = metrics
        return try ServeSession(model: try OmniModel(speech: speech, adapterFile: file, clipDirectory: clip), options: options, log: { _ in })
    }

    static func post(_ port: Int, _ path: String, _ body: String) throws -> (Int, [String: Any]) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString).json")
        try Data(body.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, text) = try NetworkTestSupport.curl(["--data-binary", "@\(file.path)", "http://127.0.0.1:\(port)\(path)"])
        return (status, (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? ["raw": text])
    }

    static func get(_ port: Int, _ path: String) throws -> (Int, String) {
        try NetworkTestSupport.curl(["http://127.0.0.1:\(port)\(path)"])
    }

    @Test func everyModalityOverSay() throws {
        let folder = try NetworkTestSupport.temporaryDirectory("serve-omni")
        defer { try? FileManager.default.removeItem(at: folder) }
        let session = try Self.session(folder: folder)
        let port = try session.start()
        defer { try? session.shutdown() }
        let wav = folder.appendingPathComponent("voice.wav")
        try WAVWriter.write((0..<16_000).map { Float(sin(Double($0) * 0.03)) * 0.2 }, sampleRate: 16_000, format: .s16, to: wav)
        let audio = try Data(contentsOf: wav).base64EncodedString()
        let image = try Data(contentsOf: Self.clip.appendingPathComponent("images/baseline_320x240.jpg")).base64EncodedString()
        let body = """
        {"text": "Hello there.", "style": "[calm]", "reference_audio": "\(audio)", "image": "\(image)",
         "control": [{"kind": "beat", "time": 0.1}, {"kind": "sfx", "frame": 20, "payload": 3}],
         "weights": {"audio": 2, "image": 0.5}, "priorities": {"audio": 3}}
        """
        let (status, reply) = try Self.post(port, "/say", body)
        #expect(status == 202, "\(reply)")
        let id = try #require(reply["id"] as? Int)
        var state: [String: Any] = [:]
        #expect(NetworkTestSupport.waitFor(60) {
            state = (try? JSONSerialization.jsonObject(with: Data(((try? Self.get(port, "/say/\(id)"))?.1 ?? "").utf8)) as? [String: Any]) ?? [:]
            return state["state"] as? String == "done"
        }, "\(state)")
        let conditioned = Set(state["conditioned"] as? [String] ?? [])
        #expect(conditioned == ["text", "reference audio", "image", "control events"], "\(state)")

        // Bad media are refused naming the field, and nothing is queued.
        let (badStatus, bad) = try Self.post(port, "/say", #"{"text": "x", "reference_audio": "bm90IGEgd2F2"}"#)
        #expect(badStatus == 400 && "\(bad)".contains("reference_audio"), "\(bad)")
        let (badImage, badImageReply) = try Self.post(port, "/say", #"{"text": "x", "image": "bm90IGFuIGltYWdl"}"#)
        #expect(badImage == 400 && "\(badImageReply)".contains("image"), "\(badImageReply)")
    }

    /// Bad `POST /control` bodies are refused (400), counted as malformed and never stop the
    /// server; good ones are accepted; `/metrics` shows the counts.
    @Test func controlFloodIsCountedAndTheServerGoesOn() throws {
        let folder = try NetworkTestSupport.temporaryDirectory("serve-control")
        defer { try? FileManager.default.removeItem(at: folder) }
        let session = try Self.session(folder: folder, metrics: true)
        let port = try session.start()
        defer { try? session.shutdown() }
        let bad = ["{", "[1, 2]", #"{"kind": "drum"}"#, #"{"kind": "beat", "time": -1}"#, #"{"kind": "weight", "modality": "smell", "payload": 1}"#,
                   "\u{00}\u{ff}garbage", #"{"events": 5}"#, #"{"kind": "sfx", "payload": {"x": 1}}"#]
        var refused = 0
        for round in 0..<25 {
            for body in bad {
                let (status, _) = try Self.post(port, "/control", body + String(repeating: " ", count: round))
                if status == 400 { refused += 1 }
            }
        }
        #expect(refused == 25 * bad.count)
        let (accepted, reply) = try Self.post(port, "/control", #"[{"kind": "beat"}, {"kind": "weight", "modality": "audio", "payload": 0.5}]"#)
        #expect(accepted == 202 && reply["accepted"] as? Int == 2, "\(reply)")
        let (_, statusText) = try Self.get(port, "/status")
        let status = try #require(try JSONSerialization.jsonObject(with: Data(statusText.utf8)) as? [String: Any])
        let events = try #require(status["events"] as? [String: Any])
        #expect(events["malformed"] as? Int == 25 * bad.count, "\(events)")
        #expect(events["received"] as? Int == 2, "\(events)")
        #expect(NetworkTestSupport.waitFor(10) { session.engine.statistics.events.applied + session.engine.statistics.events.dropped == 2 })
        let (metricsStatus, metrics) = try Self.get(port, "/metrics")
        #expect(metricsStatus == 200)
        #expect(metrics.contains(#"omnibark_events_total{state="malformed"} \#(25 * bad.count)"#), "\(metrics.prefix(2000))")
        #expect(metrics.contains("omnibark_queue_depth"))
    }
}
