import Checkpoints
import Foundation
@testable import Modalities
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

    /// Format 2: every fusion layer has an attention sink; a file without it is refused by name, and with
    /// one memory row the sink lets the row's weight depend on the query (without it, softmax gives 1).
    @Test func attentionSinkIsLoadedRequiredAndMakesOneRowPositionDependent() throws {
        var c = AdapterConfiguration(hiddenSize: 8, heads: 2, fusionLayers: [0])
        c.formatVersion = 2
        var tensors = AdapterCheckpoint.initialTensors(c, seed: 5, gate: 1)
        #expect(tensors["fusion.layers.0.null_key"]?.shape == [8] && tensors["fusion.layers.0.null_value"]?.shape == [8])
        tensors["fusion.layers.0.null_key"] = Tensor(shape: [8], scalars: (0..<8).map { Float($0) - 3.5 })
        tensors["fusion.layers.0.cross_attn.q_proj.weight"] = Tensor(shape: [8, 8], scalars: (0..<64).map { $0 % 9 == 0 ? 3 : 0 })
        tensors["fusion.layers.0.cross_attn.v_proj.weight"] = Tensor(shape: [8, 8], scalars: (0..<64).map { $0 % 9 == 0 ? 1 : 0 })
        tensors["fusion.layers.0.cross_attn.out_proj.weight"] = Tensor(shape: [8, 8], scalars: (0..<64).map { $0 % 9 == 0 ? 1 : 0 })
        let url = try Self.temporary("sink.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try AdapterCheckpoint.write(tensors, configuration: c, to: url)
        let adapters = try AdapterCheckpoint.load(contentsOf: url)
        let layer = try #require(adapters.layers[0])
        #expect(layer.sink?.key == tensors["fusion.layers.0.null_key"]?.scalars)
        // One memory row, two query rows that differ: the outputs' changes differ only through the sink.
        let memory = FusionMemory(tokens: Tensor(shape: [1, 8], scalars: [1, 1, 1, 1, 1, 1, 1, 1]), owners: [.control],
                                  routeWeights: [0, 0, 0, 1], summaries: Tensor(zeros: [4, 8]))
        let rows: [Float] = [2, -1, 0.5, 0, 1, -2, 0, 1, -2, 1, 0, 0.5, -1, 2, 1, 0]
        func change(_ adapters: OmniAdapters) -> (first: [Float], second: [Float]) {
            var conditioning = FusionConditioning(adapters: adapters, memory: memory)
            var hidden = rows
            conditioning.apply(afterLayer: 0, hidden: &hidden, rows: 2, hiddenSize: 8)
            let delta = zip(hidden, rows).map { $0 - $1 }
            return (Array(delta[0..<8]), Array(delta[8..<16]))
        }
        let withSink = change(adapters)
        #expect(zip(withSink.first, withSink.second).contains { abs($0 - $1) > 0.01 },
                "with a sink, two positions take different shares of the one memory row")
        // The same weights as format 1 (no sink): the one row gets weight 1 at every position.
        var plain = c
        plain.formatVersion = 1
        let withoutSink = change(OmniAdapters(configuration: plain, audioHead: adapters.audioHead, imageHead: adapters.imageHead,
                                              controlEmbeddings: adapters.controlEmbeddings, typeTags: adapters.typeTags,
                                              routing: adapters.routing,
                                              layers: [0: CrossAttentionLayer(norm: layer.norm, query: layer.query, key: layer.key, value: layer.value,
                                                                              output: layer.output, gate: layer.gate, heads: layer.heads)]))
        #expect(zip(withoutSink.first, withoutSink.second).allSatisfy { abs($0 - $1) < 1e-6 })
        // Without its sink tensors, a format-2 file is refused naming the first missing one.
        tensors["fusion.layers.0.null_key"] = nil
        let second2 = url.deletingLastPathComponent().appendingPathComponent("nosink.safetensors")
        try SafetensorsWriter.write(tensors, metadata: [AdapterConfiguration.metadataKey: c.json()], to: second2)
        #expect(throws: CheckpointError.missingTensor(file: second2.path, tensor: "fusion.layers.0.null_key")) {
            try AdapterCheckpoint.load(contentsOf: second2)
        }
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
