import Checkpoints
import Foundation
import Modalities
import Tensors
import Testing

@Suite struct VisionTowerTests {
    static let tolerance: Float = 1e-4

    func tower() throws -> CLIPVisionTower { try CLIPVisionTower.load(directory: CLIPFixture.directory) }

    @Test func configurationIsRead() throws {
        let config = try CLIPVisionConfiguration.load(from: CLIPFixture.directory.appendingPathComponent("config.json"))
        #expect(config == CLIPVisionConfiguration(hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2,
                                                  numAttentionHeads: 4, imageSize: 224, patchSize: 32))
        #expect(config.tokenCount == 50)
    }

    @Test func clipModelConfigurationUsesVisionConfig() throws {
        let root: [String: CheckpointValue] = [
            "model_type": .string("clip"),
            "text_config": .dictionary(["hidden_size": .int(512)]),
            "vision_config": .dictionary(["hidden_size": .int(1024), "patch_size": .int(14), "num_attention_heads": .int(16),
                                          "num_hidden_layers": .int(24), "intermediate_size": .int(4096),
                                          "hidden_act": .string("gelu")]),
        ]
        let config = try CLIPVisionConfiguration.parse(root, file: "config.json")
        #expect(config.hiddenSize == 1024 && config.patchSize == 14 && config.imageSize == 224 && config.activation == .gelu)
        #expect(config.tokenCount == 257)
        let bad: [String: CheckpointValue] = ["hidden_act": .string("relu")]
        #expect(throws: CheckpointError.invalidConfiguration(file: "c.json", field: "hidden_act",
                                                              reason: "'relu' is not supported (expected quick_gelu or gelu)")) {
            try CLIPVisionConfiguration.parse(bad, file: "c.json")
        }
    }

    /// From the reference `pixel_values`: last_hidden_state and pooler_output.
    @Test func matchesTransformersFromPixelValues() throws {
        let dir = CLIPFixture.directory
        let pixels = try NumpyArray(contentsOf: dir.appendingPathComponent("pixel_values.npy")).tensor()
        let (last, pooled) = try tower()(pixels)
        let refLast = try NumpyArray(contentsOf: dir.appendingPathComponent("last_hidden_state.npy"))
        let refPooled = try NumpyArray(contentsOf: dir.appendingPathComponent("pooler_output.npy"))
        #expect(last.shape == refLast.shape && pooled.shape == refPooled.shape)
        let lastError = CLIPFixture.relativeError(last.scalars, refLast.floats())
        let pooledError = CLIPFixture.relativeError(pooled.scalars, refPooled.floats())
        print("tower parity pixel_values.npy: last_hidden_state max relative error \(lastError), pooled \(pooledError)")
        #expect(lastError <= Self.tolerance)
        #expect(pooledError <= Self.tolerance)
    }

    /// End to end: image file → decoder → preprocessor → tower, against transformers on Pillow's decode.
    @Test func matchesTransformersFromImageFiles() throws {
        let outputs = try NPZArchive(url: CLIPFixture.directory.appendingPathComponent("outputs.npz"))
        let tower = try tower()
        let preprocessor = CLIPImagePreprocessor(configuration: tower.configuration)
        for name in ["rgb_640x480.png", "rgba_100x300.png", "gray16_17x900.png", "palette_224x224.png",
                     "baseline_320x240.jpg", "progressive_200x150.jpg"] {
            let image = try ImageDecoder().decode(contentsOf: CLIPFixture.image(name))
            let (last, pooled) = try tower(preprocessor(image))
            let key = CLIPFixture.key(name)
            let lastError = CLIPFixture.relativeError(last.scalars, try outputs.floatTensor("last_hidden_state_" + key).scalars)
            let pooledError = CLIPFixture.relativeError(pooled.scalars, try outputs.floatTensor("pooler_output_" + key).scalars)
            print("tower parity \(name): last_hidden_state max relative error \(lastError), pooled \(pooledError)")
            #expect(lastError <= Self.tolerance, "\(name)")
            #expect(pooledError <= Self.tolerance, "\(name)")
        }
    }

    /// A `CLIPModel`-style file (`vision_model.` prefix, text tower alongside) loads the same tower.
    @Test func acceptsPrefixedCLIPModelCheckpoint() throws {
        let source = try openCheckpoint(at: CLIPFixture.directory.appendingPathComponent("model.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in source.tensorInfos.keys { tensors["vision_model." + name] = try source.floatTensor(name) }
        tensors["text_model.embeddings.token_embedding.weight"] = Tensor(zeros: [7, 5])
        tensors["visual_projection.weight"] = Tensor(zeros: [16, 32])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-prefixed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors, to: file)
        let config = try CLIPVisionConfiguration.load(from: CLIPFixture.directory.appendingPathComponent("config.json"))
        let prefixed = try CLIPVisionTower(configuration: config, tensors: try openCheckpoint(at: file))
        let pixels = try NumpyArray(contentsOf: CLIPFixture.directory.appendingPathComponent("pixel_values.npy")).tensor()
        let a = try prefixed(pixels), b = try tower()(pixels)
        #expect(a.lastHiddenState == b.lastHiddenState && a.pooled == b.pooled)

        // Missing and mis-shaped tensors are named.
        var missing = tensors
        missing["vision_model.encoder.layers.1.mlp.fc2.bias"] = nil
        let missingFile = dir.appendingPathComponent("missing.safetensors")
        try SafetensorsWriter.write(missing, to: missingFile)
        #expect(throws: CheckpointError.missingTensor(file: missingFile.path, tensor: "vision_model.encoder.layers.1.mlp.fc2.bias")) {
            try CLIPVisionTower(configuration: config, tensors: try openCheckpoint(at: missingFile))
        }
        var misshaped = tensors
        misshaped["vision_model.embeddings.position_embedding.weight"] = Tensor(zeros: [49, 32])
        let misshapedFile = dir.appendingPathComponent("misshaped.safetensors")
        try SafetensorsWriter.write(misshaped, to: misshapedFile)
        #expect(throws: CheckpointError.shapeMismatch(file: misshapedFile.path, tensor: "vision_model.embeddings.position_embedding.weight",
                                                       expected: [50, 32], actual: [49, 32])) {
            try CLIPVisionTower(configuration: config, tensors: try openCheckpoint(at: misshapedFile))
        }
        let empty = dir.appendingPathComponent("empty.safetensors")
        try SafetensorsWriter.write(["text_model.x": Tensor(zeros: [1])], to: empty)
        #expect(throws: CheckpointError.missingTensor(file: empty.path, tensor: "vision_model.embeddings.class_embedding")) {
            try CLIPVisionTower(configuration: config, tensors: try openCheckpoint(at: empty))
        }
    }

    @Test func rejectsWrongPixelShapes() throws {
        let tower = try tower()
        #expect(throws: CLIPVisionError.invalidPixelShape(expected: [3, 224, 224], actual: [3, 112, 112])) {
            try tower(Tensor(zeros: [3, 112, 112]))
        }
        #expect(throws: CLIPVisionError.nonFinitePixels) { try tower(Tensor(zeros: [3, 224, 224], value: .nan)) }
    }
}
