import Foundation
import Testing
@testable import OmniBark
import TestSupport

/// `ModelReadiness` and `omnibark inspect`: a directory `speak` would refuse is reported with each
/// problem and exit status 1; a missing generation_config.json is a warning naming the defaults.
@Suite struct ModelReadinessTests {
    /// A fresh demo model in a temporary folder; `change` edits it.
    static func demoModel(_ label: String, change: (URL) throws -> Void = { _ in }) throws -> URL {
        let folder = try FixturePaths.temporaryDirectory(label)
        try DemoModel.create(at: folder)
        try change(folder)
        return folder
    }

    static func remove(_ name: String) -> (URL) throws -> Void {
        { try FileManager.default.removeItem(at: $0.appendingPathComponent(name)) }
    }

    @Test func completeModelIsUsableWithoutWarnings() throws {
        let model = try Self.demoModel("ready-ok")
        defer { try? FileManager.default.removeItem(at: model) }
        let readiness = ModelReadiness(directory: model)
        #expect(readiness.problems.isEmpty)
        #expect(readiness.warnings.isEmpty)
        #expect(try SpeechModel(directory: model).warnings.isEmpty)

        let run = try CommandRun.omnibark(["inspect", model.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("Ready to speak"))
        #expect(!run.stderr.contains("warning"))
    }

    @Test func missingVocabularyFailsInspectLikeSpeak() throws {
        let model = try Self.demoModel("ready-novocab", change: Self.remove("vocab.txt"))
        defer { try? FileManager.default.removeItem(at: model) }
        let vocabulary = model.appendingPathComponent("vocab.txt").path
        #expect(ModelReadiness(directory: model).problems == ["\(vocabulary) is missing: the tokenizer needs it (it comes with the model)"])
        #expect(throws: (any Error).self) { try SpeechModel(directory: model) }

        let run = try CommandRun.omnibark(["inspect", model.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("`omnibark speak` would refuse it:\n  \(vocabulary) is missing"), "\(run.stdout)")
    }

    @Test func missingCodecConfigurationAndBrokenGenerationConfigAreEachListed() throws {
        let model = try Self.demoModel("ready-nocodec") { folder in
            let config = folder.appendingPathComponent("config.json")
            var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
            root.removeValue(forKey: "codec_config")
            try JSONSerialization.data(withJSONObject: root).write(to: config)
            try Data("{\"semantic_config\": [1]}".utf8).write(to: folder.appendingPathComponent("generation_config.json"))
        }
        defer { try? FileManager.default.removeItem(at: model) }
        let problems = ModelReadiness(directory: model).problems
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.first == "\(model.appendingPathComponent("config.json").path) has no codec_config: the model has no EnCodec decoder")
        #expect(problems.last?.contains("generation_config.json") == true && problems.last?.contains("semantic_config") == true)

        let run = try CommandRun.omnibark(["inspect", model.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("has no codec_config"))
        #expect(run.stdout.contains("semantic_config"))
    }

    @Test func missingGenerationConfigIsAWarningNamingTheDefaults() throws {
        let model = try Self.demoModel("ready-nogen", change: Self.remove("generation_config.json"))
        defer { try? FileManager.default.removeItem(at: model) }
        let readiness = ModelReadiness(directory: model)
        #expect(readiness.problems.isEmpty)
        let warning = try #require(readiness.warnings.first)
        #expect(readiness.warnings.count == 1)
        #expect(warning.hasPrefix("warning: \(model.path) has no generation_config.json, so built-in defaults are used: "))
        #expect(warning.contains("greedy decoding (do_sample false) in the semantic and coarse stages"))
        #expect(warning.contains("argmax in the fine stage"))
        #expect(warning.contains("no min_eos_p"))
        #expect(warning.contains("at most 768 new semantic tokens"))
        #expect(try SpeechModel(directory: model).warnings == readiness.warnings)

        let run = try CommandRun.omnibark(["inspect", model.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains(warning))
        #expect(run.stdout.contains("Ready to speak"))
    }

    @Test func weightsFileGivenDirectlyIsCheckedWithItsDirectory() throws {
        let model = try Self.demoModel("ready-file", change: Self.remove("vocab.txt"))
        defer { try? FileManager.default.removeItem(at: model) }
        let run = try CommandRun.omnibark(["inspect", model.appendingPathComponent("model.safetensors").path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("vocab.txt is missing"))
    }
}
