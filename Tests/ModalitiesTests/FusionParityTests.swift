import Checkpoints
import Foundation
import Modalities
import Tensors
import Testing
import TestSupport

/// Paths for `Tests/Fixtures/fusion` (made by `scripts/make_fusion_fixtures.py`).
enum FusionFixtures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fusion", isDirectory: true)
    static let adapters = directory.appendingPathComponent("adapters.safetensors")
    static let reference = directory.appendingPathComponent("reference.safetensors")
    static let events = directory.appendingPathComponent("events.json")

    /// max |a − b| / max |b|.
    static func relativeError(_ ours: [Float], _ reference: [Float]) -> Float {
        TestSupport.relativeError(ours, reference)
    }
}

@Suite struct FusionParityTests {
    let adapters: OmniAdapters
    let reference: SafetensorsFile
    let features: ModalityFeatures

    init() throws {
        adapters = try AdapterCheckpoint.load(contentsOf: FusionFixtures.adapters)
        reference = try SafetensorsFile(url: FusionFixtures.reference)
        features = ModalityFeatures(
            textEmbeddings: try reference.floatTensor("text_embeddings"),
            audioFeatures: try reference.floatTensor("audio_features"),
            imagePooled: try reference.floatTensor("image_pooled"),
            imageHidden: try reference.floatTensor("image_hidden"),
            controlEvents: try ControlEvent.load(contentsOf: FusionFixtures.events))
    }

    func expectClose(_ ours: Tensor, _ name: String, tolerance: Float = 1e-4) throws {
        let expected = try reference.floatTensor(name)
        #expect(ours.shape == expected.shape, "\(name) shape")
        let error = FusionFixtures.relativeError(ours.scalars, expected.scalars)
        print("fusion parity \(name): relative error \(error)")
        #expect(error <= tolerance, "\(name): relative error \(error)")
    }

    @Test func configurationAndGatesComeFromTheFile() {
        #expect(adapters.configuration.fusionLayers == [0, 2])
        #expect(adapters.configuration.hiddenSize == 16)
        #expect(adapters.layers[0]!.gate != 0 && adapters.layers[2]!.gate != 0)
    }

    @Test func adapterTokensMatchPyTorch() throws {
        try expectClose(adapters.audioTokens(features.audioFeatures!), "tokens.audio")
        try expectClose(adapters.imageTokens(pooled: features.imagePooled!, hidden: features.imageHidden), "tokens.image")
        try expectClose(adapters.controlTokens(features.controlEvents), "tokens.control")
    }

    @Test(arguments: ["all", "partial"])
    func memoryRoutingAndFusionLayersMatchPyTorch(_ name: String) throws {
        var routing = ModalityRouting()
        var f = features
        if name == "all" {
            routing.audio.weight = 2
            routing.control.weight = 0.5
        } else {
            f.imagePooled = nil
            f.imageHidden = nil
            routing.control.weight = 0
        }
        let memory = try adapters.memory(f, routing: routing)
        try expectClose(memory.tokens, "\(name).memory")
        try expectClose(memory.summaries, "\(name).summaries")
        try expectClose(Tensor(shape: [4], scalars: memory.routeWeights), "\(name).route_weights")
        #expect(memory.owners.map { Float($0.rawValue) } == (try reference.floatTensor("\(name).owners")).scalars)
        if name == "partial" { #expect(memory.routeWeights[2] == 0 && memory.routeWeights[3] == 0) }

        // Layer by layer, through the LayerConditioning hook the semantic model calls.
        var conditioning = FusionConditioning(adapters: adapters, memory: memory)
        let input = try reference.floatTensor("hidden")
        var hidden = input.scalars + [Float](repeating: 99, count: 16)  // longer than rows·H, as a workspace is
        for layer in 0..<3 {
            conditioning.apply(afterLayer: layer, hidden: &hidden, rows: 5, hiddenSize: 16)
            if layer == 1 { continue }
            try expectClose(Tensor(shape: [5, 16], scalars: Array(hidden.prefix(80))), "\(name).layer\(layer).output")
        }
        #expect(hidden.suffix(16).allSatisfy { $0 == 99 })
    }

    @Test func zeroGatesLeaveTheHiddenStateBitIdentical() throws {
        var tensors: [String: Tensor] = [:]
        let container = try SafetensorsFile(url: FusionFixtures.adapters)
        for name in container.tensorInfos.keys { tensors[name] = try container.floatTensor(name) }
        for layer in [0, 2] { tensors["fusion.layers.\(layer).gate"] = Tensor(shape: [1], scalars: [0]) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fusion-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("zero.safetensors")
        try AdapterCheckpoint.write(tensors, configuration: adapters.configuration, to: url)
        let zero = try AdapterCheckpoint.load(contentsOf: url)
        var conditioning = FusionConditioning(adapters: zero, memory: try zero.memory(features))
        let input = try reference.floatTensor("hidden").scalars
        var hidden = input
        for layer in 0..<3 { conditioning.apply(afterLayer: layer, hidden: &hidden, rows: 5, hiddenSize: 16) }
        #expect(hidden == input)
    }
}
