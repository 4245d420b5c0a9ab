import Bark
import Foundation
import Testing
import TestSupport
@testable import OmniBark

/// The built-in presets, the embedded copies of `presets/*.json`, user files with defaults, and
/// `--preset NAME|FILE` resolution.
@Suite struct EnginePresetTests {
    func parse(_ json: String) throws -> EnginePreset { try EnginePreset.parse(Data(json.utf8), file: "p.json") }

    @Test func eachBuiltInLoadsUnderItsOwnName() throws {
        #expect(EnginePreset.builtInNames == ["live-speech", "daw", "broadcast", "hifi"])
        for name in EnginePreset.builtInNames {
            let preset = try EnginePreset.named(name)
            #expect(preset.name == name)
            #expect(preset.source == "presets/\(name).json")
            #expect(!preset.description.isEmpty, "\(name)")
            // The repository file read as a user file is the same preset: it gives every field.
            let file = FixturePaths.repositoryRoot.appendingPathComponent("presets/\(name).json")
            var fromFile = try EnginePreset.load(contentsOf: file)
            #expect(fromFile.source == file.path)
            fromFile.source = preset.source
            #expect(fromFile == preset, "\(name)")
        }
    }

    @Test func theEmbeddedPresetsAreTheRepositoryFiles() throws {
        let directory = FixturePaths.repositoryRoot.appendingPathComponent("presets")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files == EnginePreset.builtInNames.map { "\($0).json" }.sorted(), "presets/ holds exactly the built-ins")
        for entry in BuiltInPresets.all {
            let text = try String(contentsOf: FixturePaths.repositoryRoot.appendingPathComponent(entry.file), encoding: .utf8)
            #expect(text == entry.json + "\n",
                    "Sources/OmniBark/Presets/BuiltInPresets.swift must hold \(entry.file) verbatim: copy the file into it")
        }
    }

    @Test func theBuiltInsGiveEveryField() throws {
        // A built-in is parsed without defaults: taking any field out of one is an error.
        let json = try #require(BuiltInPresets.all.first { $0.name == "daw" }?.json)
        var root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        var latency = try #require(root["latency"] as? [String: Any])
        latency["max_lag_s"] = nil
        root["latency"] = latency
        let data = try JSONSerialization.data(withJSONObject: root)
        #expect(throws: EnginePresetError.invalidField(file: "presets/daw.json", field: "latency.max_lag_s", reason: "missing")) {
            _ = try EnginePreset.parse(data, file: "presets/daw.json", base: nil)
        }
        latency["max_lag_s"] = 0.25
        root["latency"] = latency
        root["router"] = nil
        #expect(throws: EnginePresetError.invalidField(file: "presets/daw.json", field: "router", reason: "missing")) {
            _ = try EnginePreset.parse(try JSONSerialization.data(withJSONObject: root), file: "presets/daw.json", base: nil)
        }
    }

    @Test func thePresetsDifferWhereTheyShould() throws {
        let live = try EnginePreset.named("live-speech")
        let daw = try EnginePreset.named("daw")
        let broadcast = try EnginePreset.named("broadcast")
        let hifi = try EnginePreset.named("hifi")

        #expect(live.generation.fineMode == .lowLatency)
        #expect(live.generation.weights == .int8)
        #expect(live.latency.targetFirstAudio == [live, daw, broadcast, hifi].map(\.latency.targetFirstAudio).min())

        #expect(daw.sinks == ["jack"])
        #expect(daw.midi.notes == Dictionary(uniqueKeysWithValues: (36...43).map { ($0, $0 - 36) }))
        #expect(daw.midi.cc[1] == .style)
        #expect(daw.midi.cc[7] == .weight(.audio))
        #expect(daw.reference == EnginePreset.Reference(window: 8, refresh: .chunk))
        #expect(daw.generation.fineMode == .chunked(chunk: 32, lookahead: 48, context: 384))
        #expect(daw.osc.isEnabled)

        #expect(broadcast.generation.fineMode == .exact)
        #expect(broadcast.router && !live.router && !daw.router && !hifi.router)
        #expect(broadcast.sinks.contains { $0.hasPrefix("http:") })
        #expect(broadcast.latency.minLead > live.latency.minLead && broadcast.latency.maxLag > live.latency.maxLag)

        #expect(hifi.generation.weights == .f32)
        #expect(hifi.generation.fineMode == .exact)
        #expect(hifi.latency.minLead == [live, daw, broadcast, hifi].map(\.latency.minLead).max())
        #expect(hifi.latency.minLead > broadcast.latency.minLead)

        #expect(Set([live, daw, broadcast, hifi].map(\.description)).count == 4)
    }

    @Test func aUserFileWithOnlyANameTakesTheLiveSpeechValues() throws {
        let live = try EnginePreset.named("live-speech")
        let mine = try parse(#"{"name": "mine"}"#)
        var expected = live
        expected.name = "mine"
        expected.description = ""
        expected.source = "p.json"
        #expect(mine == expected)
    }

    @Test func leftOutFieldsAreFilledAtEveryDepth() throws {
        let live = try EnginePreset.named("live-speech")
        let mine = try parse(#"""
            {"name": "mine", "description": "my preset", "latency": {"min_lead_s": 1.5},
             "modalities": {"audio": {"weight": 0.9}}, "generation": {"fine_mode": {"chunk": 16, "lookahead": 0, "context": 128}},
             "midi": {"cc": {"74": "weight/image"}}, "osc": {"port": 9001}, "router": "on"}
            """#)
        #expect(mine.description == "my preset")
        #expect(mine.latency == EnginePreset.Latency(targetFirstAudio: live.latency.targetFirstAudio, maxLag: live.latency.maxLag, minLead: 1.5))
        #expect(mine.modalities.audio == EnginePreset.Modality(priority: live.modalities.audio.priority, weight: 0.9,
                                                                required: live.modalities.audio.required))
        #expect(mine.modalities.text == live.modalities.text && mine.modalities.control == live.modalities.control)
        #expect(mine.generation == EnginePreset.Generation(fineMode: .chunked(chunk: 16, lookahead: 0, context: 128),
                                                           weights: live.generation.weights, mode: live.generation.mode,
                                                           fastStart: live.generation.fastStart, kvCache: live.generation.kvCache))
        #expect(mine.midi == EnginePreset.MIDIMap(notes: live.midi.notes, cc: [74: .weight(.image)], channel: live.midi.channel))
        #expect(mine.osc == EnginePreset.OSC(port: 9001, host: live.osc.host))
        #expect(mine.reference == live.reference && mine.sinks == live.sinks)
        #expect(mine.router)
    }

    @Test func everyValueFormIsAccepted() throws {
        let preset = try parse(#"""
            {"name": "all", "generation": {"fine_mode": "exact", "weights": "q4", "mode": "exact"},
             "sinks": ["jack", "wav:~/out.wav", "http:0", "icecast:http://source:pw@127.0.0.1:8010/bark.opus"],
             "midi": {"notes": {"0": 0, "127": 42}, "cc": {"0": "style", "1": "weight/text", "2": "weight/audio", "3": "weight/image", "4": "weight/control"},
                      "channel": 16},
             "osc": {"port": 65535, "host": "0.0.0.0"}, "reference": {"window_s": 0, "refresh": "chunk"},
             "modalities": {"control": {"priority": -2, "weight": 0, "required": true}}}
            """#)
        #expect(preset.generation == EnginePreset.Generation(fineMode: .exact, weights: .q4, mode: .exact, fastStart: true, kvCache: .f16))
        #expect(preset.sinks.count == 4)
        #expect(preset.midi.notes == [0: 0, 127: 42])
        #expect(preset.midi.cc == [0: .style, 1: .weight(.text), 2: .weight(.audio), 3: .weight(.image), 4: .weight(.control)])
        #expect(preset.midi.channel == 16)
        #expect(preset.osc == EnginePreset.OSC(port: 65535, host: "0.0.0.0"))
        #expect(preset.reference == EnginePreset.Reference(window: 0, refresh: .chunk))
        #expect(preset.modalities.control == EnginePreset.Modality(priority: -2, weight: 0, required: true))
        #expect(try parse(#"{"name": "x", "generation": {"fine_mode": "low-latency"}, "sinks": []}"#).generation.fineMode == .lowLatency)
        #expect(try parse(#"{"name": "x", "sinks": []}"#).sinks.isEmpty)
    }

    @Test func fineCodebooksIsOptionalAndRangeChecked() throws {
        let preset = try parse(#"{"name": "few", "generation": {"mode": "live", "fine_codebooks": 4}}"#)
        #expect(preset.generation.fineCodebooks == 4 && preset.generation.mode == .live)
        #expect(try parse(#"{"name": "all"}"#).generation.fineCodebooks == nil)
        #expect(throws: EnginePresetError.invalidField(file: "p.json", field: "generation.fine_codebooks",
                                                       reason: "must be an integer 2…8 (codebooks the live fine stage predicts; Bark has 8) (got 9)")) {
            _ = try parse(#"{"name": "bad", "generation": {"fine_codebooks": 9}}"#)
        }
    }

    @Test func routerStepsAreOptionalOrderedAndChecked() throws {
        #expect(try parse(#"{"name": "all"}"#).routerSteps == RouterStep.defaultOrder)
        #expect(try EnginePreset.named("broadcast").routerSteps == RouterStep.defaultOrder)
        let mine = try parse(#"{"name": "mine", "router_steps": ["fewer-fine-codebooks", "skip-modality"]}"#)
        #expect(mine.routerSteps == [.fewerFineCodebooks, .skipModality])
        #expect(try parse(#"{"name": "never", "router_steps": []}"#).routerSteps.isEmpty)
        let names = RouterStep.allCases.map(\.rawValue).joined(separator: ", ")
        #expect(throws: EnginePresetError.invalidField(file: "p.json", field: "router_steps[1]",
                                                       reason: "must be one of \(names) (got \"skip-fine\")")) {
            _ = try parse(#"{"name": "bad", "router_steps": ["coarse-only", "skip-fine"]}"#)
        }
        #expect(throws: EnginePresetError.invalidField(file: "p.json", field: "router_steps[1]", reason: "'coarse-only' is listed twice")) {
            _ = try parse(#"{"name": "bad", "router_steps": ["coarse-only", "coarse-only"]}"#)
        }
        #expect(throws: EnginePresetError.self) { _ = try parse(#"{"name": "bad", "router_steps": "coarse-only"}"#) }
    }

    @Test func fastStartIsOptionalAndBoolean() throws {
        #expect(try parse(#"{"name": "slow", "generation": {"mode": "live", "fast_start": false}}"#).generation.fastStart == false)
        // Left out: live-speech's value (on); daw turns it off for steering.
        #expect(try parse(#"{"name": "plain"}"#).generation.fastStart)
        #expect(try EnginePreset.named("live-speech").generation.fastStart && !EnginePreset.named("daw").generation.fastStart)
        #expect(throws: EnginePresetError.self) {
            _ = try parse(#"{"name": "bad", "generation": {"fast_start": "yes"}}"#)
        }
    }

    @Test func kvCacheIsOptionalAndNamesItsPrecision() throws {
        #expect(try parse(#"{"name": "exact-cache", "generation": {"kv_cache": "f32"}}"#).generation.kvCache == .f32)
        // Left out: live-speech's value (f16, as daw); the exact-mode presets keep f32.
        #expect(try parse(#"{"name": "plain"}"#).generation.kvCache == .f16)
        #expect(try EnginePreset.named("live-speech").generation.kvCache == .f16 && EnginePreset.named("daw").generation.kvCache == .f16)
        #expect(try EnginePreset.named("broadcast").generation.kvCache == .f32 && EnginePreset.named("hifi").generation.kvCache == .f32)
        do {
            _ = try parse(#"{"name": "bad", "generation": {"kv_cache": "int4"}}"#)
            Issue.record("kv_cache int4 was accepted")
        } catch {
            #expect("\(error)".contains("kv_cache") && "\(error)".contains("f16"), "\(error)")
        }
    }

    @Test func resolveTakesANameOrAPath() throws {
        #expect(try EnginePreset.resolve("daw") == EnginePreset.named("daw"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("presets-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("daw")  // no .json, but a '/' in the path: a file
        try Data(#"{"name": "from-file", "router": "on"}"#.utf8).write(to: file)
        let preset = try EnginePreset.resolve(file.path)
        #expect(preset.name == "from-file" && preset.router && preset.source == file.path)
    }

    @Test func anUnknownNameListsTheBuiltIns() {
        #expect(throws: EnginePresetError.unknownPreset(name: "studio", builtIns: ["live-speech", "daw", "broadcast", "hifi"])) {
            _ = try EnginePreset.resolve("studio")
        }
        do {
            _ = try EnginePreset.named("Daw")
            Issue.record("a name in the wrong case was accepted")
        } catch {
            #expect("\(error)" == "unknown preset 'Daw': the built-in presets are live-speech, daw, broadcast, hifi (or give the path of a preset .json file)")
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: EnginePresetError.unreadable(file: "/nonexistent/mine.json", reason: "No such file or directory")) {
            _ = try EnginePreset.resolve("/nonexistent/mine.json")
        }
        do {
            _ = try EnginePreset.resolve("no-such-preset.json")  // ends in .json: a path, relative to the working directory
            Issue.record("a missing file was accepted")
        } catch {
            #expect("\(error)" == "no-such-preset.json: cannot read the preset: No such file or directory")
        }
        let url = URL(fileURLWithPath: "/nonexistent/other.json")
        #expect(throws: EnginePresetError.unreadable(file: url.path, reason: "No such file or directory")) {
            _ = try EnginePreset.load(contentsOf: url)
        }
    }

    @Test func theHelpTextNamesEveryBuiltIn() throws {
        for name in EnginePreset.builtInNames {
            #expect(EnginePreset.optionHelp.contains(name), "\(name)")
            #expect(EnginePreset.helpDiscussion.contains("  \(name) "), "\(name)")
        }
        #expect(EnginePreset.helpDiscussion.contains("--preset NAME|FILE"))
        // The leads the discussion quotes are the presets' own.
        for name in ["live-speech", "broadcast", "hifi"] {
            let lead = try EnginePreset.named(name).latency.minLead
            let line = EnginePreset.helpDiscussion.split(separator: "\n").first { $0.hasPrefix("  \(name) ") } ?? ""
            #expect(line.contains(" \(PresetReader.format(lead)) s lead"), "\(line)")
        }
    }
}
