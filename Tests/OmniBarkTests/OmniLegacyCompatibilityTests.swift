import Bark
import Foundation
import Modalities
import Tensors
import Testing
@testable import OmniBark
import TestSupport

/// Without adapters, or with adapters whose gates are all 0, `generateAudio` is plain Bark: the
/// same tokens and the same audio, bit for bit, for the same seed, with sampling on.
@Suite struct OmniLegacyCompatibilityTests {
    static let text = "The quick brown fox jumps over the lazy dog. Then it runs far away into the old forest!"

    static func sampledOptions(seed: UInt64) -> SpeechOptions {
        var options = SpeechOptions()
        options.seed = seed
        options.semanticTemperature = 0.7
        options.coarseTemperature = 0.7
        options.fineTemperature = 0.5
        return options
    }

    static func model() throws -> SpeechModel {
        try SpeechModel(directory: FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled"))
    }

    static func adapterFile(for speech: SpeechModel, gate: Float, scale: Float = 1) throws -> URL {
        let semantic = speech.generator.models.semantic.configuration
        var c = AdapterConfiguration(hiddenSize: semantic.hiddenSize, heads: semantic.heads,
                                     fusionLayers: Array(0..<semantic.layers))
        c.audioInputSize = speech.codec.configuration.hiddenSize
        c.imageInputSize = 12
        c.audioMaxTokens = 8
        var tensors = AdapterCheckpoint.initialTensors(c, seed: 11, gate: gate)
        for (name, t) in tensors where name.hasSuffix(".weight") && !name.contains("norm") {
            tensors[name] = Tensor(shape: t.shape, scalars: t.scalars.map { $0 * scale })
        }
        let url = try FixturePaths.temporaryDirectory("adapters").appendingPathComponent("adapters.safetensors")
        try AdapterCheckpoint.write(tensors, configuration: c, to: url)
        return url
    }

    static let referenceAudio: ReferenceAudioInput = .samples(
        (0..<24_000).map { Float(sin(Double($0) * 0.05)) * 0.3 }, sampleRate: 16_000, channels: 1)
    static let events = [ControlEvent(time: .seconds(0.2), kind: .beatMarker),
                         ControlEvent(time: .frames(30), kind: .phonemeHint, payload: .string("AH"))]

    @Test(arguments: [UInt64(3), 1234])
    func noAdaptersIsPlainBark(seed: UInt64) throws {
        let speech = try Self.model()
        let options = Self.sampledOptions(seed: seed)
        let plain = try speech.speak(Self.text, options: options)
        var omniOptions = OmniOptions()
        omniOptions.speech = options
        omniOptions.styleInstruction = "[calm]"
        let omni = try speech.generateAudio(text: Self.text, referenceAudio: Self.referenceAudio,
                                            controlEvents: Self.events, options: omniOptions)
        #expect(omni.speech.segments == plain.segments)
        #expect(omni.audio == plain.audio)
        #expect(omni.conditionedModalities.isEmpty)
        #expect(omni.ignoredModalities == [.text, .audio, .control])
    }

    @Test(arguments: [UInt64(3), 1234])
    func zeroGateAdaptersArePlainBark(seed: UInt64) throws {
        let speech = try Self.model()
        let url = try Self.adapterFile(for: speech, gate: 0, scale: 50)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let omniModel = try OmniModel(speech: speech, adapterFile: url, clipDirectory: nil)
        let options = Self.sampledOptions(seed: seed)
        let plain = try speech.speak(Self.text, options: options)
        var omniOptions = OmniOptions()
        omniOptions.speech = options
        omniOptions.styleInstruction = "[calm]"
        let omni = try omniModel.generateAudio(text: Self.text, referenceAudio: Self.referenceAudio,
                                               controlEvents: Self.events, options: omniOptions)
        #expect(omni.conditionedModalities == [.text, .audio, .control])
        #expect(omni.memoryTokens > 0)
        #expect(omni.speech.segments.count == plain.segments.count)
        #expect(omni.speech.segments == plain.segments)
        #expect(omni.audio == plain.audio)
    }

    /// The same adapters with non-zero gates do change the generation (the hook is live).
    @Test func nonZeroGatesChangeTheGeneration() throws {
        let speech = try Self.model()
        let url = try Self.adapterFile(for: speech, gate: 2, scale: 50)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let omniModel = try OmniModel(speech: speech, adapterFile: url, clipDirectory: nil)
        var omniOptions = OmniOptions()
        omniOptions.speech = Self.sampledOptions(seed: 3)
        omniOptions.speech.greedy = true
        let plain = try speech.speak(Self.text, options: omniOptions.speech)
        let omni = try omniModel.generateAudio(text: Self.text, referenceAudio: Self.referenceAudio,
                                               controlEvents: Self.events, options: omniOptions)
        #expect(omni.speech.segments.map(\.semantic) != plain.segments.map(\.semantic))
    }

    @Test func atLeastOneInputIsRequired() throws {
        let speech = try Self.model()
        #expect(throws: ModalityError.noInput) { try speech.generateAudio() }
    }

    @Test func audioOnlyGenerates() throws {
        let speech = try Self.model()
        let url = try Self.adapterFile(for: speech, gate: 0.5, scale: 10)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let omniModel = try OmniModel(speech: speech, adapterFile: url, clipDirectory: nil)
        var options = OmniOptions()
        options.speech.greedy = true
        let result = try omniModel.generateAudio(referenceAudio: Self.referenceAudio, options: options)
        #expect(result.conditionedModalities == [.audio])
        #expect(result.routeWeights == [0, 1, 0, 0])
        #expect(!result.audio.isEmpty)
        #expect(result.fullGeneration().semantic.count > 0)
    }

    @Test func mismatchedAdaptersAreRefused() throws {
        let speech = try Self.model()
        let c = AdapterConfiguration(hiddenSize: 32, heads: 2, fusionLayers: [0])
        let url = try FixturePaths.temporaryDirectory("adapters").appendingPathComponent("a.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try AdapterCheckpoint.writeInitialised(c, to: url)
        do { _ = try OmniModel(speech: speech, adapterFile: url, clipDirectory: nil); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("hidden_size 32"))
        }
    }
}
