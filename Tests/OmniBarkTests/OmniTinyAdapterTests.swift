import Bark
import Checkpoints
import Foundation
import Modalities
@testable import OmniBark
import Tensors
import TestSupport
import Testing

/// The trained adapters shipped with OmniBark-tiny (`models/omnibark-tiny/adapters.safetensors`, made by
/// `training/omnitiny/adapter_train.py`): the engine's forward pass equals the training code's on the
/// shipped files (`Tests/Fixtures/omnitiny-adapters`, made by `scripts/make_omnitiny_adapter_fixtures.py`),
/// and the steering they learned shows in the engine's own generation.
@Suite struct OmniTinyAdapterTests {
    static let model = FixturePaths.repositoryRoot.appendingPathComponent(BundledModel.relativePath, isDirectory: true)
    static let examples = model.appendingPathComponent("examples", isDirectory: true)
    static let reference = FixturePaths.fixtures.appendingPathComponent("omnitiny-adapters/reference.safetensors")

    let omni: OmniModel
    let reference: SafetensorsFile

    init() throws {
        let speech = try SpeechModel(directory: Self.model)
        omni = try OmniModel(speech: speech, adapterFile: Self.model.appendingPathComponent("adapters.safetensors"),
                             clipDirectory: Self.model.appendingPathComponent("clip", isDirectory: true))
        reference = try SafetensorsFile(url: Self.reference)
    }

    func expectClose(_ ours: Tensor, _ name: String, tolerance: Float = 1e-4) throws {
        let expected = try reference.floatTensor(name)
        #expect(ours.shape == expected.shape, "\(name): shape \(ours.shape) vs \(expected.shape)")
        let error = relativeError(ours.scalars, expected.scalars)
        print("omnitiny adapter parity \(name): relative error \(error)")
        #expect(error <= tolerance, "\(name): relative error \(error)")
    }

    @Test func theEncodersMatchTheTrainingCode() throws {
        let encoder = omni.encoder
        try expectClose(try #require(try encoder.textEmbeddings("[slow]")), "style_embeddings.slow", tolerance: 0)
        try expectClose(try #require(try encoder.textEmbeddings("[fast]")), "style_embeddings.fast", tolerance: 0)
        let audio = try ModalityBundle.loadReferenceAudio(contentsOf: Self.examples.appendingPathComponent("slow.wav"))
        try expectClose(try omni.speech.codec.encoderEmbeddings(audio: audio), "audio_features")
        let pixels = try ModalityBundle.loadImage(contentsOf: Self.examples.appendingPathComponent("slow.png"),
                                                  preprocessor: omni.imagePreprocessor)
        let vision = try #require(omni.vision)
        let image = try vision(pixels)
        try expectClose(image.pooled, "image_pooled")
        try expectClose(image.lastHiddenState, "image_hidden")
    }

    /// The semantic GPT's logits over a prefill (text, empty history, infer token, 24 units) with the
    /// fusion layers running: plain, the style alone, style + reference audio + image (audio weight 3),
    /// and a beat marker at 0.9 s alone (its attention sink lets the weight on the one event vary by position).
    @Test(arguments: ["plain", "style", "all", "beat"])
    func conditionedSemanticLogitsMatchTheTrainingCode(_ name: String) throws {
        let adapters = try #require(omni.adapters)
        var conditioning: (any LayerConditioning)?
        if name != "plain" {
            var features = name == "beat"
                ? ModalityFeatures(controlEvents: [ControlEvent(time: .seconds(0.9), kind: .beatMarker)])
                : ModalityFeatures(textEmbeddings: try reference.floatTensor("style_embeddings.slow"))
            var routing = ModalityRouting()
            if name == "all" {
                features.audioFeatures = try reference.floatTensor("audio_features")
                features.imagePooled = try reference.floatTensor("image_pooled")
                features.imageHidden = try reference.floatTensor("image_hidden")
                routing.audio.weight = 3
            }
            let memory = try adapters.memory(features, routing: routing)
            try expectClose(memory.tokens, "\(name).memory")
            try expectClose(Tensor(shape: [4], scalars: memory.routeWeights), "\(name).route_weights")
            conditioning = FusionConditioning(adapters: adapters, memory: memory)
        }
        let semantic = omni.speech.generator.models.semantic
        let embeddings = try reference.floatTensor("prefill_embeddings")
        var cache = semantic.makeCache()
        var workspace = TransformerWorkspace()
        try semantic.forward(embeddings: embeddings, cache: &cache, workspace: &workspace, conditioning: &conditioning)
        let rows = embeddings.shape[0], kept = 257
        var logits: [Float] = []
        for row in 0..<rows { logits += workspace.logitsRow(row).prefix(kept) }
        try expectClose(Tensor(shape: [rows, kept], scalars: logits), "\(name).logits", tolerance: 2e-4)
    }

    /// What the adapters learned, in the engine: three held-out sentences take more semantic tokens (audio
    /// time at 49.9 tokens/s) with `[slow]` than unconditioned, and fewer with `[fast]` (unsteered, both
    /// ratios would be 1).
    @Test func aStyleInstructionChangesTheSpeakingRate() throws {
        let plain = try semanticTokens(nil), slow = try semanticTokens(try styled("[slow]")), fast = try semanticTokens(try styled("[fast]"))
        print("semantic tokens over \(Self.sentences.count) sentences: plain \(plain), [slow] \(slow), [fast] \(fast)")
        #expect(Double(slow) > 1.1 * Double(plain), "[slow]: \(slow) tokens against \(plain) unconditioned")
        #expect(Double(fast) < 0.85 * Double(plain), "[fast]: \(fast) tokens against \(plain) unconditioned")
    }

    /// Two modalities that disagree — `[slow]` and a reference recording at the fast rate — and the
    /// heavier by routing weight decides (format 3's route sharpness): audio weight 3 speaks faster than
    /// unconditioned by more than a fifth (0.73×; the format-2 adapters gave 0.85×), text weight 3 slower.
    @Test func theHeavierOfTwoDisagreeingModalitiesDecides() throws {
        let adapters = try #require(omni.adapters)
        #expect(adapters.configuration.hasRouteSharpness)
        #expect(adapters.layers.values.allSatisfy { $0.routeSharpness > 1 }, "trained sharpness: \(adapters.layers.mapValues(\.routeSharpness))")
        let audio = try ModalityBundle.loadReferenceAudio(contentsOf: Self.examples.appendingPathComponent("fast.wav"))
        var features = try styled("[slow]")
        features.audioFeatures = try omni.speech.codec.encoderEmbeddings(audio: audio)
        var audioFirst = ModalityRouting(), textFirst = ModalityRouting()
        audioFirst.audio.weight = 3
        textFirst.text.weight = 3
        let plain = try semanticTokens(nil)
        let fast = try semanticTokens(features, routing: audioFirst), slow = try semanticTokens(features, routing: textFirst)
        print("semantic tokens over \(Self.sentences.count) sentences: plain \(plain), [slow] + fast reference: audio=3 \(fast), text=3 \(slow)")
        #expect(Double(fast) < 0.8 * Double(plain), "audio=3 (fast): \(fast) tokens against \(plain) unconditioned")
        #expect(Double(slow) > 1.15 * Double(plain), "text=3 ([slow]): \(slow) tokens against \(plain) unconditioned")
    }

    static let sentences = ["Did Peter see the gentle man before dinner?", "The island liked the heavy teacher around the boy.",
                            "Anna saw the little red boat near the river today."]

    func styled(_ style: String) throws -> ModalityFeatures {
        ModalityFeatures(textEmbeddings: try omni.encoder.textEmbeddings(style))
    }

    /// Semantic tokens (audio time at 49.9 tokens/s) of the three held-out sentences, seed 1, with the
    /// fusion layers conditioned on `features` (nil: unconditioned).
    func semanticTokens(_ features: ModalityFeatures?, routing: ModalityRouting = ModalityRouting()) throws -> Int {
        let adapters = try #require(omni.adapters)
        let generator = omni.speech.generator
        var conditioning: (any LayerConditioning)?
        if let features {
            conditioning = FusionConditioning(adapters: adapters, memory: try adapters.memory(features, routing: routing))
        }
        return try Self.sentences.reduce(0) { total, sentence in
            var random = SeededRandomGenerator(seed: 1)
            return total + (try SemanticGeneration.generate(model: generator.models.semantic, textTokens: generator.tokenizer.encode(sentence),
                                                            history: nil, configuration: generator.configuration, generator: &random,
                                                            conditioning: conditioning).count)
        }
    }
}
