import Bark
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

    /// Tensors of a one-layer, H = 8 adapter whose projections are near-identities (gate open).
    static func sharpnessTensors(_ c: AdapterConfiguration) -> [String: Tensor] {
        var tensors = AdapterCheckpoint.initialTensors(c, seed: 7, gate: 1)
        tensors["fusion.layers.0.cross_attn.q_proj.weight"] = Tensor(shape: [8, 8], scalars: (0..<64).map { $0 % 9 == 0 ? 2 : 0.1 })
        tensors["fusion.layers.0.cross_attn.k_proj.weight"] = Tensor(shape: [8, 8], scalars: (0..<64).map { $0 % 9 == 0 ? 1 : 0 })
        tensors["fusion.layers.0.cross_attn.v_proj.weight"] = Tensor(shape: [8, 8], scalars: (0..<64).map { $0 % 9 == 0 ? 1 : 0 })
        tensors["fusion.layers.0.cross_attn.out_proj.weight"] = Tensor(shape: [8, 8], scalars: (0..<64).map { $0 % 9 == 0 ? 1 : 0 })
        return tensors
    }

    /// Writes `tensors` with `c` and this route sharpness under `folder` and loads the fusion layer back.
    static func loadLayer(_ tensors: [String: Tensor], _ c: AdapterConfiguration, sharpness: Float,
                          in folder: URL) throws -> CrossAttentionLayer {
        var t = tensors
        t["fusion.layers.0.route_sharpness"] = Tensor(shape: [1], scalars: [sharpness])
        let url = folder.appendingPathComponent("sharp-\(c.formatVersion)-\(sharpness).safetensors")
        try AdapterCheckpoint.write(t, configuration: c, to: url)
        return try #require(try AdapterCheckpoint.load(contentsOf: url).layers[0])
    }

    static let audioMemory: [Float] = [1, 0, 2, 0, 1, 0, 2, 0, 0.5, 1, 0, 1, 0.5, 1, 0, 1]

    /// What `layer` makes of two hidden rows given two audio rows and, when `text` is given, two text rows
    /// with routing weights text 0.25, audio 0.75 (audio alone: 1).
    static func change(_ layer: CrossAttentionLayer, text: [Float]?) -> [Float] {
        let tokens = (text ?? []) + audioMemory
        let owners: [Modality] = (text == nil ? [] : [.text, .text]) + [.audio, .audio]
        let memory = FusionMemory(tokens: Tensor(shape: [owners.count, 8], scalars: tokens), owners: owners,
                                  routeWeights: text == nil ? [0, 1, 0, 0] : [0.25, 0.75, 0, 0], summaries: Tensor(zeros: [4, 8]))
        let kv = layer.project(memory)
        var hidden: [Float] = [2, -1, 0.5, 0, 1, -2, 0, 1, -2, 1, 0, 0.5, -1, 2, 1, 0]
        var scratch = FusionScratch()
        layer.apply(hidden: &hidden, rows: 2, keys: kv.keys, values: kv.values, biases: kv.biases, memoryRows: kv.rows,
                    scratch: &scratch)
        return hidden
    }

    static func differ(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
    static let textOne: [Float] = [3, 0, -1, 2, 0, 1, 1, -2, 0, 2, 2, 0, -1, 0, 1, 3]
    static let textOther: [Float] = [-2, 1, 0, -3, 2, 0, -1, 1, 1, -1, 0, 2, 3, 0, -2, 0]

    /// Format 3: every fusion layer has a route sharpness. Sharpness 0 is format 2 exactly. A large one
    /// leaves only the heavier modality's rows in the attention, so what the lighter one says stops
    /// mattering; a memory of one modality is unaffected. A file without the tensor is refused by name.
    @Test func routeSharpnessIsLoadedRequiredAndLetsTheHeavierModalityDecide() throws {
        var c = AdapterConfiguration(hiddenSize: 8, heads: 2, fusionLayers: [0])
        c.formatVersion = 3
        let tensors = Self.sharpnessTensors(c)
        #expect(tensors["fusion.layers.0.route_sharpness"]?.scalars == [0])
        let folder = try Self.temporary("x").deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = try Self.loadLayer(tensors, c, sharpness: 0, in: folder)
        let sharp = try Self.loadLayer(tensors, c, sharpness: 200, in: folder)
        let one = Self.textOne, other = Self.textOther
        #expect(plain.project(FusionMemory(tokens: Tensor(shape: [2, 8], scalars: one), owners: [.text, .text],
                                           routeWeights: [1, 0, 0, 0], summaries: Tensor(zeros: [4, 8]))).biases == [0, 0, 0])
        #expect(Self.differ(Self.change(plain, text: one), Self.change(plain, text: other)) > 0.01, "without sharpness the lighter text still counts")
        #expect(Self.differ(Self.change(sharp, text: one), Self.change(sharp, text: other)) < 1e-5, "with it, only the heavier audio does")
        #expect(Self.differ(Self.change(sharp, text: nil), Self.change(plain, text: nil)) < 1e-6, "one modality: the sharpness changes nothing")
        // The same weights as format 2 (no sharpness tensor) compute what sharpness 0 does.
        var format2 = c
        format2.formatVersion = 2
        var t2 = tensors
        t2["fusion.layers.0.route_sharpness"] = nil
        let url2 = folder.appendingPathComponent("format2.safetensors")
        try AdapterCheckpoint.write(t2, configuration: format2, to: url2)
        let layer2 = try #require(try AdapterCheckpoint.load(contentsOf: url2).layers[0])
        #expect(Self.change(layer2, text: one) == Self.change(plain, text: one))
        // A format-3 file without it is refused naming the tensor.
        let missing = folder.appendingPathComponent("nosharpness.safetensors")
        try SafetensorsWriter.write(t2, metadata: [AdapterConfiguration.metadataKey: c.json()], to: missing)
        #expect(throws: CheckpointError.missingTensor(file: missing.path, tensor: "fusion.layers.0.route_sharpness")) {
            try AdapterCheckpoint.load(contentsOf: missing)
        }
    }

    /// Format 4: the same tensors as format 3, values scaled relative to the heaviest modality. With a
    /// sharp route, audio at routing weight 0.75 beside text then does exactly what audio alone does
    /// (format 3 scales it by 0.75 and does less); one modality alone is the same in both formats.
    @Test func relativeRouteGivesTheHeaviestModalityItsFullStrength() throws {
        var c3 = AdapterConfiguration(hiddenSize: 8, heads: 2, fusionLayers: [0])
        c3.formatVersion = 3
        var c4 = c3
        c4.formatVersion = 4
        #expect(AdapterCheckpoint.expectedShapes(c4) == AdapterCheckpoint.expectedShapes(c3))
        #expect(!c3.scalesValuesRelativeToHeaviest && c4.scalesValuesRelativeToHeaviest)
        let tensors = Self.sharpnessTensors(c3)
        let folder = try Self.temporary("x").deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sharp3 = try Self.loadLayer(tensors, c3, sharpness: 200, in: folder)
        let sharp4 = try Self.loadLayer(tensors, c4, sharpness: 200, in: folder)
        #expect(sharp4.valuesRelativeToHeaviest)
        let alone = Self.change(sharp4, text: nil)
        #expect(alone == Self.change(sharp3, text: nil), "one modality: formats 3 and 4 agree")
        #expect(Self.differ(Self.change(sharp4, text: Self.textOne), alone) < 1e-5, "format 4: the heavier audio as if alone")
        #expect(Self.differ(Self.change(sharp3, text: Self.textOne), alone) > 0.01, "format 3: the same audio scaled by 0.75")
        // Without sharpness the lighter modality is still mixed in, at a third of the heavier one's scale.
        let plain4 = try Self.loadLayer(tensors, c4, sharpness: 0, in: folder)
        let memory = FusionMemory(tokens: Tensor(shape: [4, 8], scalars: Self.textOne + Self.audioMemory),
                                  owners: [.text, .text, .audio, .audio], routeWeights: [0.25, 0.75, 0, 0],
                                  summaries: Tensor(zeros: [4, 8]))
        let unscaled = plain4.value(memory.tokens).scalars
        let scaled = plain4.project(memory).values
        for c in 0..<8 {
            #expect(abs(scaled[c] - unscaled[c] / 3) < 1e-6)
            #expect(abs(scaled[16 + c] - unscaled[16 + c]) < 1e-6)
        }
        var bad = c4
        bad.formatVersion = 7
        #expect(bad.validationProblem()?.field == "format_version")
    }

    /// Format 5: a gated feed-forward block after each cross-attention. Gate 0 is format 4 exactly; an open
    /// gate adds `tanh(gate) · W₂ · GELU(W₁ · LN(y))` to the cross-attention's output `y`, row by row; a file
    /// without the block's tensors is refused by name.
    @Test func feedForwardBlockIsLoadedRequiredAndAddsItsGatedOutput() throws {
        var c4 = AdapterConfiguration(hiddenSize: 8, heads: 2, fusionLayers: [0])
        c4.formatVersion = 4
        var c5 = c4
        c5.formatVersion = 5
        #expect(c5.hasFeedForward && !c4.hasFeedForward)
        let shapes = AdapterCheckpoint.expectedShapes(c5)
        #expect(shapes["fusion.layers.0.ffn.0.weight"] == [32, 8] && shapes["fusion.layers.0.ffn.2.weight"] == [8, 32])
        var tensors = Self.sharpnessTensors(c5)
        #expect(tensors["fusion.layers.0.ffn_gate"]?.scalars == [0], "a fresh block is a no-op")
        let folder = try Self.temporary("x").deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let closed = try Self.loadLayer(tensors, c5, sharpness: 3, in: folder)
        let format4 = try Self.loadLayer(Self.sharpnessTensors(c4), c4, sharpness: 3, in: folder)
        #expect(Self.change(closed, text: Self.textOne) == Self.change(format4, text: Self.textOne))
        tensors["fusion.layers.0.ffn_gate"] = Tensor(shape: [1], scalars: [0.7])
        tensors["fusion.layers.0.ffn.0.weight"] = Tensor(shape: [32, 8], scalars: (0..<256).map { Float($0 % 7 - 3) * 0.2 })
        tensors["fusion.layers.0.ffn.2.weight"] = Tensor(shape: [8, 32], scalars: (0..<256).map { Float($0 % 5 - 2) * 0.2 })
        let open = try Self.loadLayer(tensors, c5, sharpness: 3, in: folder)
        let block = try #require(open.feedForward)
        #expect(block.innerWidth == 32)
        let y = Self.change(format4, text: Self.textOne)
        let expected = Tensor(shape: [2, 8], scalars: y)
        let added = block.head.second(block.head.first(block.norm(expected)).gelu()).scalars
        let want = zip(y, added).map { $0 + tanhf(0.7) * $1 }
        #expect(Self.differ(Self.change(open, text: Self.textOne), want) < 1e-5)
        #expect(Self.differ(Self.change(open, text: Self.textOne), y) > 1e-3)
        var missing = tensors
        missing["fusion.layers.0.ffn_gate"] = nil
        missing["fusion.layers.0.route_sharpness"] = Tensor(shape: [1], scalars: [3])
        let url = folder.appendingPathComponent("noffngate.safetensors")
        try SafetensorsWriter.write(missing, metadata: [AdapterConfiguration.metadataKey: c5.json()], to: url)
        #expect(throws: CheckpointError.missingTensor(file: url.path, tensor: "fusion.layers.0.ffn_gate")) {
            try AdapterCheckpoint.load(contentsOf: url)
        }
    }

    /// Format 6: a rate-clock head. A fresh one asks for stride 1 (Bark's clock); a trained one gives
    /// exp(w · state + b), clamped to `SemanticRateClock.strideRange`; the fusion conditioning asks for it
    /// only when a memory is present, and format 5 never does. A file without the head is refused by name.
    @Test func rateClockHeadIsLoadedRequiredAndSetsTheStride() throws {
        var c5 = AdapterConfiguration(hiddenSize: 8, heads: 2, fusionLayers: [0])
        c5.formatVersion = 5
        var c6 = c5
        c6.formatVersion = 6
        #expect(c6.hasRateClock && !c5.hasRateClock)
        #expect(AdapterCheckpoint.expectedShapes(c6)["rate_clock.weight"] == [1, 8])
        #expect(AdapterCheckpoint.expectedShapes(c5)["rate_clock.weight"] == nil)
        let folder = try Self.temporary("x").deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        var tensors = AdapterCheckpoint.initialTensors(c6, seed: 2, gate: 1)
        let state: ArraySlice<Float> = [1, -1, 0.5, 0, 2, 0, -0.5, 1]
        let freshURL = folder.appendingPathComponent("fresh.safetensors")
        try AdapterCheckpoint.write(tensors, configuration: c6, to: freshURL)
        #expect(try #require(try AdapterCheckpoint.load(contentsOf: freshURL).rateClock).stride(inferTokenState: state) == 1)

        let weight: [Float] = [0.1, -0.2, 0.4, 3, 0.05, 3, 0.2, -0.1]
        tensors["rate_clock.weight"] = Tensor(shape: [1, 8], scalars: weight)
        tensors["rate_clock.bias"] = Tensor(shape: [1], scalars: [0.3])
        let trainedURL = folder.appendingPathComponent("trained.safetensors")
        try AdapterCheckpoint.write(tensors, configuration: c6, to: trainedURL)
        let adapters = try AdapterCheckpoint.load(contentsOf: trainedURL)
        let head = try #require(adapters.rateClock)
        let logStride = Double(Float(0.3)) + zip(weight, state).map { Double($0) * Double($1) }.reduce(0, +)
        #expect(abs(head.stride(inferTokenState: state) - exp(logStride)) < 1e-9)
        #expect(head.stride(inferTokenState: [10, -10, 10, 0, 10, 0, 10, -10]) == 4, "clamped")
        #expect(head.stride(inferTokenState: [-10, 10, -10, 0, -10, 0, -10, 10]) == 0.25, "clamped")

        let memory = try adapters.memory(ModalityFeatures(textEmbeddings: Tensor(shape: [2, 8], scalars: Self.textOne)),
                                         routing: ModalityRouting())
        #expect(FusionConditioning(adapters: adapters, memory: memory).rateClockStride(inferTokenState: state) == head.stride(inferTokenState: state))
        let empty = try adapters.memory(ModalityFeatures(), routing: ModalityRouting())
        #expect(FusionConditioning(adapters: adapters, memory: empty).rateClockStride(inferTokenState: state) == nil)
        let format5URL = folder.appendingPathComponent("format5.safetensors")
        try AdapterCheckpoint.write(AdapterCheckpoint.initialTensors(c5), configuration: c5, to: format5URL)
        let format5 = try AdapterCheckpoint.load(contentsOf: format5URL)
        #expect(format5.rateClock == nil)
        let memory5 = try format5.memory(ModalityFeatures(textEmbeddings: Tensor(shape: [2, 8], scalars: Self.textOne)),
                                         routing: ModalityRouting())
        #expect(FusionConditioning(adapters: format5, memory: memory5).rateClockStride(inferTokenState: state) == nil)

        // With a rate-clock layer the head reads the standardized residual state of the last row after that
        // layer's fusion, kept from the first call (the prefill), not the final state it is handed.
        var layered = c6
        layered.rateClockLayer = 0
        #expect(layered.validationProblem() == nil)
        let layeredURL = folder.appendingPathComponent("layered.safetensors")
        try AdapterCheckpoint.write(tensors, configuration: layered, to: layeredURL)
        let clocked = try AdapterCheckpoint.load(contentsOf: layeredURL)
        var conditioning = FusionConditioning(adapters: clocked, memory: memory)
        #expect(conditioning.rateClockStride(inferTokenState: state) == nil, "asked before the layer ran")
        var hidden: [Float] = [2, -1, 0.5, 0, 1, -2, 0, 1, -2, 1, 0, 0.5, -1, 2, 1, 0]
        conditioning.apply(afterLayer: 0, hidden: &hidden, rows: 2, hiddenSize: 8)
        let kept = Array(hidden[8...])
        var later = hidden
        conditioning.apply(afterLayer: 0, hidden: &later, rows: 2, hiddenSize: 8)  // a later step: not kept
        let mean = kept.reduce(0.0) { $0 + Double($1) } / 8
        let variance = kept.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 8
        let standardized = kept.map { Float((Double($0) - mean) / (variance + 1e-5).squareRoot()) }
        let expected = head.stride(inferTokenState: standardized[...])
        #expect(abs((conditioning.rateClockStride(inferTokenState: state) ?? 0) - expected) < 1e-9)
        var outside = layered
        outside.rateClockLayer = 2
        #expect(outside.validationProblem()?.field == "rate_clock_layer")
        var early = c5
        early.rateClockLayer = 0
        #expect(early.validationProblem()?.field == "rate_clock_layer")

        var missing = tensors
        missing["rate_clock.bias"] = nil
        let url = folder.appendingPathComponent("noclock.safetensors")
        try SafetensorsWriter.write(missing, metadata: [AdapterConfiguration.metadataKey: c6.json()], to: url)
        #expect(throws: CheckpointError.missingTensor(file: url.path, tensor: "rate_clock.bias")) {
            try AdapterCheckpoint.load(contentsOf: url)
        }
    }

    /// Format 6's clock holds: stored in the header, checked by field, and turned into holds of the
    /// semantic clock for the memory's control events of those kinds only — none without a memory, none
    /// when control is weighted out, none for a file without them.
    @Test func clockHoldsAreStoredCheckedAndFollowTheControlEvents() throws {
        var c = AdapterConfiguration(hiddenSize: 8, heads: 2, fusionLayers: [0])
        c.formatVersion = 6
        c.clockHolds = [ControlClockHold(kind: "beat", units: 29, lead: 5), ControlClockHold(kind: "sfx", units: 41, lead: 5)]
        #expect(c.validationProblem() == nil)
        #expect(c.json().contains(#""clock_holds":[{"kind":"beat","lead":5,"units":29}"#), "\(c.json())")
        let folder = try Self.temporary("x").deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("holds.safetensors")
        try AdapterCheckpoint.write(AdapterCheckpoint.initialTensors(c), configuration: c, to: url)
        let adapters = try AdapterCheckpoint.load(contentsOf: url)
        #expect(adapters.configuration.clockHolds == c.clockHolds)

        let events = [ControlEvent(time: .seconds(1.0), kind: .sfxTrigger), ControlEvent(time: .frames(15), kind: .beatMarker),
                      ControlEvent(time: .seconds(0.5), kind: .phonemeHint)]
        let memory = try adapters.memory(ModalityFeatures(controlEvents: events), routing: ModalityRouting())
        // 0.2 s (15 frames at 75 Hz) · 49.9 = 9.98 → unit 10, less 5; 1.0 s → unit 50, less 5. The phoneme hint has no rule.
        #expect(FusionConditioning(adapters: adapters, memory: memory).rateClockHolds(unitsPerSecond: 49.9)
                == [SemanticRateClock.Hold(firstUnit: 5, units: 29), SemanticRateClock.Hold(firstUnit: 45, units: 41)])
        var noControl = ModalityRouting()
        noControl.control.weight = 0
        let weightedOut = try adapters.memory(ModalityFeatures(textEmbeddings: Tensor(shape: [2, 8], scalars: Self.textOne), controlEvents: events),
                                              routing: noControl)
        #expect(!weightedOut.isEmpty)
        #expect(FusionConditioning(adapters: adapters, memory: weightedOut).rateClockHolds(unitsPerSecond: 49.9).isEmpty)
        let empty = try adapters.memory(ModalityFeatures(), routing: ModalityRouting())
        #expect(FusionConditioning(adapters: adapters, memory: empty).rateClockHolds(unitsPerSecond: 49.9).isEmpty)
        var without = c
        without.clockHolds = nil
        let withoutURL = folder.appendingPathComponent("noholds.safetensors")
        try AdapterCheckpoint.write(AdapterCheckpoint.initialTensors(without), configuration: without, to: withoutURL)
        let plain = try AdapterCheckpoint.load(contentsOf: withoutURL)
        #expect(FusionConditioning(adapters: plain, memory: try plain.memory(ModalityFeatures(controlEvents: events), routing: ModalityRouting()))
            .rateClockHolds(unitsPerSecond: 49.9).isEmpty)

        func problem(_ holds: [ControlClockHold], format: Int = 6) -> String? {
            var bad = c
            bad.formatVersion = format
            bad.clockHolds = holds
            return bad.validationProblem()?.field
        }
        #expect(problem([ControlClockHold(kind: "drum", units: 5, lead: 0)]) == "clock_holds[0].kind")
        #expect(problem([ControlClockHold(kind: "beat", units: 5, lead: 0), ControlClockHold(kind: "beatMarker", units: 5, lead: 0)])
                == "clock_holds[1].kind")
        #expect(problem([ControlClockHold(kind: "sfx", units: 0, lead: 0)]) == "clock_holds[0].units")
        #expect(problem([ControlClockHold(kind: "sfx", units: 4, lead: -1)]) == "clock_holds[0].lead")
        #expect(problem([ControlClockHold(kind: "sfx", units: 4, lead: 0)], format: 5) == "clock_holds")
        #expect(problem([], format: 5) == nil)
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
