import Bark
import Foundation
import Modalities
import Testing
@testable import OmniBark
import TestSupport

/// An image through the real CLIP tower, the image adapter and the fusion block, from the API and
/// from the command line.
@Suite struct OmniImageEndToEndTests {
    static let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled")
    static let clip = FixturePaths.fixtures.appendingPathComponent("clip")
    static let image = clip.appendingPathComponent("images/baseline_320x240.jpg")

    /// Zero-gate adapters sized for the scaled fixture (hidden 16) and the tiny CLIP (hidden 32).
    static func adapterFile(in folder: URL) throws -> URL {
        var configuration = AdapterConfiguration(hiddenSize: 16, heads: 2, fusionLayers: [1])
        configuration.imageInputSize = 32
        configuration.audioInputSize = 8
        let url = folder.appendingPathComponent("adapters.safetensors")
        try AdapterCheckpoint.writeInitialised(configuration, seed: 5, to: url)
        return url
    }

    @Test func imageConditioningRunsAndZeroGatesKeepPlainBark() throws {
        let folder = try FixturePaths.temporaryDirectory("omni-image")
        defer { try? FileManager.default.removeItem(at: folder) }
        let speech = try SpeechModel(directory: Self.model)
        let omni = try OmniModel(speech: speech, adapterFile: try Self.adapterFile(in: folder), clipDirectory: Self.clip)
        var options = OmniOptions()
        options.speech.greedy = true
        options.speech.maxSemanticTokens = 12
        let result = try omni.generateAudio(text: "Hello, my dog is cute.", image: .file(Self.image), options: options)
        #expect(result.conditionedModalities.contains(.image))
        #expect(result.memoryTokens > 0)
        // Gates are 0: the image flowed through CLIP, the adapter and the fusion block, yet the
        // output is plain Bark's.
        let plain = try speech.speak("Hello, my dog is cute.", options: options.speech)
        #expect(result.audio == plain.audio)
    }

    @Test func speakCommandTakesAnImage() throws {
        let folder = try FixturePaths.temporaryDirectory("omni-image-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("x.wav")
        let run = try CommandRun.omnibark(["speak", "--model", Self.model.path, "--adapters", try Self.adapterFile(in: folder).path,
                                           "--clip", Self.clip.path, "--image", Self.image.path, "--greedy",
                                           "--max-semantic-tokens", "12", "--out", out.path, "Hello, my dog is cute."])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.path))
    }
}
