import Bark
import Foundation
import JackTestSupport
import LiveControl
import Modalities
import Streaming
import Testing
@testable import OmniBark
import TestSupport

/// The router inside the engine, playing into a real `jackd -d dummy`: a slow image adapter
/// (its cost injected through the warm-start profile) is skipped to hold the time-to-first-audio
/// target, the event log and the statistics say so, and the other modalities still condition.
@Suite(.serialized) struct RouterEndToEndTests {
    static let clip = FixturePaths.fixtures.appendingPathComponent("clip")

    @Test func aSlowAdapterIsSkippedAndTheEventLogSaysSo() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let folder = try FixturePaths.temporaryDirectory("router-e2e")
        defer { try? FileManager.default.removeItem(at: folder) }
        var adapters = AdapterConfiguration(hiddenSize: 16, heads: 2, fusionLayers: [1])
        adapters.imageInputSize = 32
        adapters.audioInputSize = 8
        let adapterFile = folder.appendingPathComponent("adapters.safetensors")
        try AdapterCheckpoint.writeInitialised(adapters, seed: 5, to: adapterFile)
        let speech = try SpeechModel(directory: FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled"))
        let model = try OmniModel(speech: speech, adapterFile: adapterFile, clipDirectory: Self.clip)
        let image = try ModalityBundle.loadImage(contentsOf: Self.clip.appendingPathComponent("images/baseline_320x240.jpg"),
                                                 preprocessor: model.imagePreprocessor)
        let audio = try ModalityBundle.normalizeReferenceAudio((0..<16_000).map { Float(sin(Double($0) * 0.03)) * 0.2 },
                                                               sampleRate: 16_000, channels: 1)

        // The profile says the image encoder takes 30 s: far over the 1 s target to first audio.
        let profile = try CostProfile.parse(Data(#"{"costs": {"semantic_step": 0.001, "coarse_token": 0.0005, "fine_frame": 0.001, "codec_frame": 0.0005, "encoder.image": 30, "encoder.audio": 0.01}}"#.utf8),
                                            file: "profile.json")
        let logURL = folder.appendingPathComponent("events.jsonl")
        let inbox = LiveEventInbox(log: try LiveEventLog(url: logURL))
        let jack = try JackAudioSink(configuration: JackSink.Configuration(clientName: "omnibark", serverName: server.name))
        defer { jack.cancel() }
        var configuration = EngineConfiguration()
        configuration.speech.greedy = true
        configuration.speech.maxSemanticTokens = 20
        configuration.events = inbox
        configuration.router = RouterSettings(budget: EnginePreset.Latency(targetFirstAudio: 1, maxLag: 0.25, minLead: 0.2), costs: profile)
        let engine = try StreamingEngine(model: model, sink: jack, configuration: configuration,
                                         sinkCounters: { (jack.underruns, jack.jack.xruns) })
        engine.start()
        var routing = ModalityRouting()
        routing.image.priority = 0
        routing.audio.priority = 2
        let id = try engine.say(EngineRequest(bundle: try ModalityBundle(text: "Hello there.", referenceAudio: audio, image: image, routing: routing),
                                              usesOwnRouting: true)).id
        let statistics = try engine.finish()

        let status = try #require(engine.status(of: id))
        #expect(status.state == .done)
        #expect(status.conditioned == ["reference audio"], "the image was skipped, the reference audio kept: \(status.conditioned)")
        #expect(statistics.routerDecisions["skip-modality apply"] == 1, "\(statistics.routerDecisions)")
        #expect(statistics.routerPlan == "skip image", "\(statistics.routerPlan ?? "nil")")
        let lines = try String(contentsOf: logURL, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let decision = try #require(lines.first { $0["source"] as? String == "router" }, "\(lines)")
        #expect(decision["kind"] as? String == "skip-modality apply")
        #expect((decision["payload"] as? String)?.contains("skip image (priority 0)") == true, "\(decision)")
    }
}

/// `omnibark bench` with the router: the JSON the issue asks for, and a calibration profile the
/// router can load.
@Suite(.serialized) struct RouterBenchCommandTests {
    @Test func routerRunReportsDeadlinesAndDecisions() throws {
        let run = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "1", "--live-seconds", "3", "--all-modalities",
                                           "--router", "on", "--lighter-weights", "int8", "--hog", "--router-steps",
                                           "skip-modality,lighter-weights,coarse-only", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: run.stdoutData) as? [String: Any])
        let live = try #require(object["live"] as? [String: Any])
        for key in ["deadlines_met", "underruns", "time_to_first_audio_p50_s", "time_to_first_audio_p95_s", "decisions", "router_plan", "chunks_due"] {
            #expect(live[key] != nil, "missing \(key) in \(live.keys.sorted())")
        }
        let met = try #require(live["deadlines_met"] as? Double)
        #expect(met >= 0 && met <= 1)
        let settings = try #require(live["settings"] as? [String: Any])
        #expect(settings["router"] as? Bool == true && settings["all_modalities"] as? Bool == true && settings["hog"] as? Bool == true)
        #expect(settings["lighter_weights"] as? String == "int8", "\(settings)")
        #expect(settings["router_steps"] as? [String] == ["skip-modality", "lighter-weights", "coarse-only"], "\(settings)")
        if let decisions = live["decisions"] as? [String: Any] {
            #expect(decisions["drop-fusion-layers"] == nil && decisions["shorter-fine-context"] == nil, "steps left out were taken: \(decisions)")
        }
        #expect((settings["lighter_weights_relative_cost"] as? Double ?? 0) > 0, "\(settings)")
        #expect((live["notes"] as? [String])?.contains { $0.contains("one core kept busy") } == true)
    }

    @Test func aHeavierOrUnroutedLighterFormatIsRefused() throws {
        let heavier = try CommandRun.omnibark(["bench", "--shape", "demo", "--weights", "q4", "--live-seconds", "1", "--router", "on",
                                               "--lighter-weights", "int8"])
        #expect(heavier.status != 0 && heavier.stderr.contains("--lighter-weights int8 is not lighter than the loaded q4 weights"), "\(heavier.stderr)")
        let unrouted = try CommandRun.omnibark(["bench", "--shape", "demo", "--live-seconds", "1", "--lighter-weights", "q4"])
        #expect(unrouted.status != 0 && unrouted.stderr.contains("add --router on"), "\(unrouted.stderr)")
        let badStep = try CommandRun.omnibark(["bench", "--shape", "demo", "--live-seconds", "1", "--router", "on",
                                               "--router-steps", "skip-modality,skip-fine"])
        #expect(badStep.status != 0 && badStep.stderr.contains("--router-steps: 'skip-fine' is not a router step"), "\(badStep.stderr)")
    }

    @Test func calibrationWritesALoadableProfile() throws {
        let folder = try FixturePaths.temporaryDirectory("calibrate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("costs.json")
        let run = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "1", "--calibrate", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        let costs = try CostProfile.load(contentsOf: file)
        for component in RouterComponent.all {
            #expect(costs.estimate(component) != nil, "no \(component.key) in the profile")
        }
        #expect((costs.estimate(.semanticStep) ?? 0) > 0 && (costs.estimate(.encoder(.image)) ?? 0) > 0)
    }
}
