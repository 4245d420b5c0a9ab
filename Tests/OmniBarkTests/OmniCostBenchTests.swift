import Bark
import Checkpoints
import Foundation
import Modalities
import Tensors
import Testing
@testable import OmniBark
import TestSupport

/// Cost of each adapter and of the fusion block on bark-small shapes (H 768, 12 layers, 12 heads)
/// with random weights. Run with `OMNIBARK_BENCH=1 swift test --skip-build --disable-xctest --filter OmniCostBench`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["OMNIBARK_BENCH"] == "1"))
struct OmniCostBenchTests {
    static func seconds(_ repeats: Int = 5, _ body: () throws -> Void) rethrows -> Double {
        try body()  // warm-up
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repeats)
    }

    static func ms(_ s: Double) -> String { String(format: "%8.3f ms", s * 1000) }

    @Test func adapterAndFusionCosts() throws {
        let speech = try SpeechModel.synthetic(shape: .barkSmall)
        let semantic = speech.generator.models.semantic
        var c = AdapterConfiguration(hiddenSize: 768, heads: 12, fusionLayers: [3, 7, 11])
        c.imageInputSize = 768
        var tensors = AdapterCheckpoint.initialTensors(c, seed: 5, gate: 0.5)
        for (name, t) in tensors where name.hasSuffix(".weight") && !name.contains("norm") {
            tensors[name] = Tensor(shape: t.shape, scalars: t.scalars.map { $0 * 10 })
        }
        let url = try FixturePaths.temporaryDirectory("bench").appendingPathComponent("a.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try AdapterCheckpoint.write(tensors, configuration: c, to: url)
        let adapters = try AdapterCheckpoint.load(contentsOf: url)
        let model = try OmniModel(speech: speech, adapters: adapters)
        let encoder = model.encoder

        var lines: [String] = ["omnimodal cost on bark-small shapes (H 768, fusion after layers 3, 7, 11; random weights)"]
        // Per utterance.
        let reference = (0..<(24_000 * 5)).map { Float(sin(Double($0) * 0.01)) * 0.3 }
        var audioFeatures = Tensor(zeros: [1, 128])
        let tEncodec = try Self.seconds(3) { audioFeatures = try speech.codec.encoderEmbeddings(audio: reference) }
        let tAudioHead = Self.seconds(20) { _ = adapters.audioTokens(audioFeatures) }
        var textEmbeddings: Tensor?
        let tText = try Self.seconds(20) { textEmbeddings = try encoder.textEmbeddings("[calm] [whisper]") }
        var random = SplitMix64(seed: 9)
        let pooled = Tensor(shape: [768], scalars: (0..<768).map { _ in random.nextSignedFloat() })
        let hidden = Tensor(shape: [50, 768], scalars: (0..<(50 * 768)).map { _ in random.nextSignedFloat() })
        let tImageHead = Self.seconds(20) { _ = adapters.imageTokens(pooled: pooled, hidden: hidden) }
        let events = (0..<16).map { ControlEvent(time: .seconds(Double($0) * 0.25), kind: .beatMarker, payload: .number(Double($0))) }
        let tControl = Self.seconds(20) { _ = adapters.controlTokens(events) }
        let features = ModalityFeatures(textEmbeddings: textEmbeddings, audioFeatures: audioFeatures, imagePooled: pooled,
                                        imageHidden: hidden, controlEvents: events)
        var memory = try adapters.memory(features)
        let tMemory = try Self.seconds(10) { memory = try adapters.memory(features) }
        let tBind = Self.seconds(10) { _ = FusionConditioning(adapters: adapters, memory: memory) }
        lines.append("per utterance (5 s reference audio, 16 control events, CLIP features given):")
        lines.append("  EnCodec encoder, 5 s      \(Self.ms(tEncodec))   (\(audioFeatures.shape[0]) frames)")
        lines.append("  audio adapter (pool+MLP)  \(Self.ms(tAudioHead))   (\(adapters.audioTokens(audioFeatures).shape[0]) tokens)")
        lines.append("  text adapter (tok+embed)  \(Self.ms(tText))")
        lines.append("  image adapter head        \(Self.ms(tImageHead))   (\(adapters.imageTokens(pooled: pooled, hidden: hidden).shape[0]) tokens; CLIP tower not included)")
        lines.append("  control adapter           \(Self.ms(tControl))   (16 tokens)")
        lines.append("  all adapters + routing    \(Self.ms(tMemory))   (\(memory.owners.count) memory tokens)")
        lines.append("  fusion K/V projection     \(Self.ms(tBind))   (3 layers)")

        // Per step: the fusion block alone, and a whole semantic step with and without it.
        var conditioning = FusionConditioning(adapters: adapters, memory: memory)
        var one = (0..<768).map { _ in random.nextSignedFloat() }
        let tFusionStep = Self.seconds(50) {
            for layer in [3, 7, 11] { conditioning.apply(afterLayer: layer, hidden: &one, rows: 1, hiddenSize: 768) }
        }
        var prefill = (0..<(257 * 768)).map { _ in random.nextSignedFloat() * 0.01 }
        let tFusionPrefill = Self.seconds(3) {
            for layer in [3, 7, 11] { conditioning.apply(afterLayer: layer, hidden: &prefill, rows: 257, hiddenSize: 768) }
        }
        var configuration = speech.generator.configuration
        configuration.semantic.maxNewTokens = 24
        configuration.semantic.minEOSProbability = nil
        func stepTimes(_ conditioning: FusionConditioning?) throws -> (prefill: Double, step: Double) {
            var stream = SemanticStream(model: semantic, textTokens: Array(0..<40), history: nil, configuration: configuration,
                                        generator: SeededRandomGenerator(seed: 1), conditioning: conditioning)
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try stream.step()
            let t1 = DispatchTime.now().uptimeNanoseconds
            var steps = 0
            while try stream.step() != nil { steps += 1 }
            let t2 = DispatchTime.now().uptimeNanoseconds
            return (Double(t1 - t0) / 1e9, Double(t2 - t1) / 1e9 / Double(max(steps, 1)))
        }
        _ = try stepTimes(nil)
        let plain = try stepTimes(nil)
        let fused = try stepTimes(FusionConditioning(adapters: adapters, memory: memory))
        lines.append("per step (\(memory.owners.count) memory tokens, 3 fusion layers):")
        lines.append("  fusion block, 1 row       \(Self.ms(tFusionStep))")
        lines.append("  fusion block, prefill 257 \(Self.ms(tFusionPrefill))")
        lines.append("  semantic step plain       \(Self.ms(plain.step))   fused \(Self.ms(fused.step))")
        lines.append("  semantic prefill plain    \(Self.ms(plain.prefill))   fused \(Self.ms(fused.prefill))")
        print(lines.joined(separator: "\n"))
        #expect(tFusionStep > 0)
    }

    /// The frozen image tower the image adapter runs first: CLIP ViT-B/32 shapes (hidden 768,
    /// 12 layers, 12 heads, 224 px, 32 px patches → 50 tokens), random weights.
    @Test func clipTowerCostPerImage() throws {
        let h = 768, layers = 12, inner = 3072, tokens = 50
        var infos: [String: TensorInfo] = [:]
        func add(_ name: String, _ shape: [Int]) { infos[name] = TensorInfo(name: name, dtype: .float32, shape: shape) }
        add("embeddings.class_embedding", [h])
        add("embeddings.patch_embedding.weight", [h, 3, 32, 32])
        add("embeddings.position_embedding.weight", [tokens, h])
        for norm in ["pre_layrnorm", "post_layernorm"] { add(norm + ".weight", [h]); add(norm + ".bias", [h]) }
        for i in 0..<layers {
            let p = "encoder.layers.\(i)."
            for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] { add(p + "self_attn.\(proj).weight", [h, h]); add(p + "self_attn.\(proj).bias", [h]) }
            for norm in ["layer_norm1", "layer_norm2"] { add(p + norm + ".weight", [h]); add(p + norm + ".bias", [h]) }
            add(p + "mlp.fc1.weight", [inner, h]); add(p + "mlp.fc1.bias", [inner])
            add(p + "mlp.fc2.weight", [h, inner]); add(p + "mlp.fc2.bias", [h])
        }
        let container = RandomTensorContainer(label: "clip-vit-b32", tensors: [:], randomTensors: infos, seed: 3)
        let configuration = try CLIPVisionConfiguration.parse(
            ["hidden_size": .int(h), "intermediate_size": .int(inner), "num_hidden_layers": .int(layers),
             "num_attention_heads": .int(12), "image_size": .int(224), "patch_size": .int(32), "num_channels": .int(3),
             "layer_norm_eps": .double(1e-5), "hidden_act": .string("quick_gelu")], file: "<ViT-B/32 shape>")
        let tower = try CLIPVisionTower(configuration: configuration, tensors: container)
        let pixels = Tensor(shape: [3, 224, 224], scalars: (0..<(3 * 224 * 224)).map { Float($0 % 255) / 255 - 0.5 })
        let t = try Self.seconds(3) { _ = try tower(pixels) }
        print("CLIP ViT-B/32-shaped vision tower, one 224×224 image: \(Self.ms(t))")
        #expect(t > 0)
    }
}
