import Checkpoints
import Foundation
import Modalities
import Tensors
import Testing

@Suite struct AdapterCheckpointTests {
    static func temporary(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name)
    }

    @Test func initialisedFileRoundTripsWithZeroGates() throws {
        var c = AdapterConfiguration(hiddenSize: 32, heads: 4, fusionLayers: [1, 3])
        c.audioInputSize = 8
        c.imageInputSize = 12
        let url = try Self.temporary("init.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try AdapterCheckpoint.writeInitialised(c, seed: 3, to: url)
        let loaded = try AdapterCheckpoint.load(contentsOf: url)
        #expect(loaded.configuration == c)
        #expect(loaded.layers.keys.sorted() == [1, 3])
        #expect(loaded.layers.values.allSatisfy { $0.gate == 0 })
        let file = try SafetensorsFile(url: url)
        #expect(Set(file.tensorInfos.keys) == Set(AdapterCheckpoint.expectedShapes(c).keys))
        #expect(file.tensorInfos["fusion.layers.3.cross_attn.out_proj.weight"]?.shape == [32, 32])
    }

    @Test func wrongShapeNamesFileAndTensor() throws {
        let c = AdapterConfiguration(hiddenSize: 16, heads: 2, fusionLayers: [0])
        var tensors = AdapterCheckpoint.initialTensors(c)
        let url = try Self.temporary("bad.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        tensors["type_tags.weight"] = Tensor(zeros: [3, 16])
        try SafetensorsWriter.write(tensors, metadata: [AdapterConfiguration.metadataKey: c.json()], to: url)
        #expect(throws: CheckpointError.shapeMismatch(file: url.path, tensor: "type_tags.weight", expected: [4, 16], actual: [3, 16])) {
            try AdapterCheckpoint.load(contentsOf: url)
        }
        // A fresh name per write: AtomicFileWriter's replace-over-existing fails on Linux Foundation.
        let second = url.deletingLastPathComponent().appendingPathComponent("missing.safetensors")
        tensors["type_tags.weight"] = nil
        try SafetensorsWriter.write(tensors, metadata: [AdapterConfiguration.metadataKey: c.json()], to: second)
        #expect(throws: CheckpointError.missingTensor(file: second.path, tensor: "type_tags.weight")) {
            try AdapterCheckpoint.load(contentsOf: second)
        }
    }

    @Test func missingOrBadMetadataIsNamed() throws {
        let c = AdapterConfiguration(hiddenSize: 16, heads: 2, fusionLayers: [0])
        let url = try Self.temporary("meta.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try SafetensorsWriter.write(AdapterCheckpoint.initialTensors(c), to: url)
        do { _ = try AdapterCheckpoint.load(contentsOf: url); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("__metadata__.omnibark_adapters"))
        }
        var bad = c
        bad.heads = 3
        let url2 = url.deletingLastPathComponent().appendingPathComponent("heads.safetensors")
        try SafetensorsWriter.write(AdapterCheckpoint.initialTensors(c), metadata: [AdapterConfiguration.metadataKey: bad.json()], to: url2)
        do { _ = try AdapterCheckpoint.load(contentsOf: url2); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("heads"))
        }
        let url3 = url.deletingLastPathComponent().appendingPathComponent("partial.safetensors")
        try SafetensorsWriter.write(AdapterCheckpoint.initialTensors(c), metadata: [AdapterConfiguration.metadataKey: "{\"hidden_size\": 16}"], to: url3)
        do { _ = try AdapterCheckpoint.load(contentsOf: url3); Issue.record("expected an error") } catch {
            #expect("\(error)".contains(url3.path) && "\(error)".contains("missing"))
        }
    }

    @Test func poolingBoundsTokenCount() {
        let x = Tensor(shape: [10, 2], scalars: (0..<20).map(Float.init))
        let pooled = AveragePooling.pool(x, stride: 2, maxTokens: 3)  // stride grows to 4
        #expect(pooled.shape == [3, 2])
        #expect(pooled.scalars == [3, 4, 11, 12, 17, 18])
    }
}
