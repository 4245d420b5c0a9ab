import Bark
import Checkpoints
import Foundation
import Testing
@testable import OmniBark

@Suite struct DemoModelTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-demo-\(UUID().uuidString)")
    }

    @Test func demoModelLoadsInspectsAndSpeaks() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DemoModel.create(at: directory)
        #expect(DemoModel.isDemo(directory: directory))
        #expect(try CheckpointInspection(url: directory).isComplete)

        let model = try SpeechModel(directory: directory)
        #expect(model.isDemo)
        #expect(model.codec.configuration.numQuantizers == 32)
        var options = SpeechOptions()
        options.voice = try model.voice(DemoModel.voiceName)
        options.maxSemanticTokens = 20
        options.seed = 3
        let result = try model.speak("Hello world, this is a test.", options: options)
        #expect(result.sampleRate == 24_000)
        #expect(result.segments.count == 1)
        let generation = result.segments[0]
        #expect(generation.fine.count == 8)
        #expect(result.audio.count == generation.frames * 320)
        let allFinite = result.audio.allSatisfy { $0.isFinite }
        #expect(allFinite)
        // Same seed, same output; another seed, other output.
        #expect(try model.speak("Hello world, this is a test.", options: options).audio == result.audio)
        options.seed = 4
        #expect(try model.speak("Hello world, this is a test.", options: options).segments[0] != generation)
    }

    @Test func creatingTwiceGivesIdenticalWeights() throws {
        let a = Self.temporaryDirectory(), b = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try DemoModel.create(at: a)
        try DemoModel.create(at: b)
        for file in ["model.safetensors", "config.json", "generation_config.json", "vocab.txt", "speaker_embeddings_path.json"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(file)) == (try Data(contentsOf: b.appendingPathComponent(file))), "\(file)")
        }
    }
}
