import Checkpoints
import Foundation
import Modalities
import Tensors

/// Random-weight conditioning parts in real shapes, for benchmarks of the omnimodal path: a CLIP
/// ViT-B/32 vision tower and an adapter set sized for a speech model. Speed does not depend on
/// weight values, so these measure what the real files would cost.
extension OmniModel {
    /// `speech` with random adapters (`OmniAdapters.synthetic`) and a random CLIP tower.
    /// `vision` nil: ViT-B/32 for a real-sized model, a tiny tower (hidden 32, 2 layers, 32×32
    /// images) for a model under 256 wide (the demo model), so tests stay fast.
    public static func synthetic(speech: SpeechModel, gate: Float = 0.5, vision visionConfiguration: CLIPVisionConfiguration? = nil,
                                 seed: UInt64 = 3) throws -> OmniModel {
        let semantic = speech.generator.models.semantic.configuration
        let tiny = CLIPVisionConfiguration(hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, imageSize: 32, patchSize: 16)
        let vision = try CLIPVisionTower.synthetic(configuration: visionConfiguration ?? (semantic.hiddenSize < 256 ? tiny : CLIPVisionConfiguration()),
                                                   seed: seed)
        let adapters = try OmniAdapters.synthetic(for: speech, imageInputSize: vision.configuration.hiddenSize, gate: gate, seed: seed)
        return try OmniModel(speech: speech, adapters: adapters, vision: vision)
    }
}

extension OmniAdapters {
    /// Random adapters for `speech`'s shapes: fusion after layers spread over the semantic model
    /// (a quarter, half, three quarters of the depth and the last), gates `gate`, written to a
    /// temporary file and loaded back (so the real loading path runs), the file removed again.
    public static func synthetic(for speech: SpeechModel, imageInputSize: Int = 768, gate: Float = 0.5, seed: UInt64 = 3) throws -> OmniAdapters {
        let semantic = speech.generator.models.semantic.configuration
        let layers = semantic.layers
        var c = AdapterConfiguration(hiddenSize: semantic.hiddenSize, heads: semantic.heads,
                                     fusionLayers: Array(Set([layers / 4, layers / 2, 3 * layers / 4, layers - 1])).sorted())
        c.audioInputSize = speech.codec.configuration.hiddenSize
        c.imageInputSize = imageInputSize
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-synthetic-adapters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("adapters.safetensors")
        try AdapterCheckpoint.write(AdapterCheckpoint.initialTensors(c, seed: seed, gate: gate), configuration: c, to: file)
        return try AdapterCheckpoint.load(contentsOf: file)
    }
}

extension CLIPVisionTower {
    /// A tower of `configuration`'s shape (default ViT-B/32) with deterministic random weights.
    public static func synthetic(configuration c: CLIPVisionConfiguration = CLIPVisionConfiguration(), seed: UInt64 = 3) throws -> CLIPVisionTower {
        let h = c.hiddenSize
        var tensors: [String: Tensor] = [:]
        var random: [String: TensorInfo] = [:]
        func add(_ name: String, _ shape: [Int]) { random["vision_model." + name] = TensorInfo(name: "vision_model." + name, dtype: .float32, shape: shape) }
        func norm(_ name: String) {
            tensors["vision_model.\(name).weight"] = Tensor(zeros: [h], value: 1)
            tensors["vision_model.\(name).bias"] = Tensor(zeros: [h])
        }
        add("embeddings.class_embedding", [h])
        add("embeddings.patch_embedding.weight", [h, c.numChannels, c.patchSize, c.patchSize])
        add("embeddings.position_embedding.weight", [c.tokenCount, h])
        norm("pre_layrnorm")
        norm("post_layernorm")
        for i in 0..<c.numHiddenLayers {
            let p = "encoder.layers.\(i)."
            for projection in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                add(p + "self_attn.\(projection).weight", [h, h])
                add(p + "self_attn.\(projection).bias", [h])
            }
            norm(p + "layer_norm1")
            norm(p + "layer_norm2")
            add(p + "mlp.fc1.weight", [c.intermediateSize, h])
            add(p + "mlp.fc1.bias", [c.intermediateSize])
            add(p + "mlp.fc2.weight", [h, c.intermediateSize])
            add(p + "mlp.fc2.bias", [h])
        }
        return try CLIPVisionTower(configuration: c, tensors: RandomTensorContainer(label: "clip-vit-b-32", tensors: tensors, randomTensors: random, seed: seed))
    }
}
