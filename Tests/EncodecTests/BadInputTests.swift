import Checkpoints
import Encodec
import Foundation
import Tensors
import Testing
import TestSupport

/// Typed errors for invalid codes, audio, weights and configuration.
@Suite struct BadInputTests {
    static let fixture = Result { try EncodecFixture.load("bark-tiny-nobias") }

    @Test func badCodesAreRejected() throws {
        let model = try Self.fixture.get().model
        let good = Array(repeating: [1, 2, 3], count: 8)
        #expect(throws: EncodecError.emptyCodes) { try model.decode(codes: []) }
        #expect(throws: EncodecError.emptyCodes) { try model.decode(codes: [[]]) }
        #expect(throws: EncodecError.wrongCodebookCount(given: 9, available: 8)) { try model.decode(codes: good + [[0, 0, 0]]) }
        #expect(throws: EncodecError.raggedCodes(codebook: 2, frames: 2, expected: 3)) {
            try model.decode(codes: [[0, 0, 0], [0, 0, 0], [0, 0]])
        }
        var bad = good
        bad[5][2] = 1024
        #expect(throws: EncodecError.codeOutOfRange(codebook: 5, frame: 2, value: 1024, codebookSize: 1024)) { try model.decode(codes: bad) }
        bad[5][2] = 0
        bad[0][1] = -1
        #expect(throws: EncodecError.codeOutOfRange(codebook: 0, frame: 1, value: -1, codebookSize: 1024)) { try model.decode(codes: bad) }
        // Fewer codebooks than the model has are allowed, as in transformers.
        #expect(try model.decode(codes: Array(good.prefix(2))).count == 3 * 320)
    }

    @Test func badAudioIsRejected() throws {
        let model = try Self.fixture.get().model
        #expect(throws: EncodecError.emptyAudio) { try model.encode(audio: [], bandwidth: 6) }
        #expect(throws: EncodecError.nonFiniteAudio(index: 2)) { try model.encode(audio: [0, 1, .nan], bandwidth: 6) }
        #expect(throws: EncodecError.unsupportedBandwidth(3, supported: [6])) { try model.encode(audio: [0, 1], bandwidth: 3) }
    }

    @Test func missingTensorIsNamed() throws {
        let container = try openCheckpoint(at: FixturePaths.bark("bark-tiny-nobias").appendingPathComponent("model.safetensors"))
        let configuration = try EncodecFixture.barkCodecConfiguration(FixturePaths.bark("bark-tiny-nobias"))
        let name = "codec_model.decoder.layers.1.lstm.weight_hh_l1"
        let hidden = EditedContainer(base: container, hidden: [name])
        #expect(throws: CheckpointError.missingTensor(file: container.url.path, tensor: name)) {
            try EncodecModel(configuration: configuration, container: hidden, prefix: "codec_model.")
        }
        let conv = "codec_model.encoder.layers.0.conv.parametrizations.weight.original1"
        #expect(throws: CheckpointError.missingTensor(file: container.url.path, tensor: "codec_model.encoder.layers.0.conv.parametrizations.weight.original1 "
                                                      + "(or codec_model.encoder.layers.0.conv.weight_v, or codec_model.encoder.layers.0.conv.weight)")) {
            try EncodecModel(configuration: configuration, container: EditedContainer(base: container, hidden: [conv, conv.replacingOccurrences(of: "original1", with: "original0")]), prefix: "codec_model.")
        }
        // A wrong prefix finds nothing.
        #expect(throws: CheckpointError.self) { try EncodecModel(configuration: configuration, container: container, prefix: "") }
    }

    @Test func misShapedTensorIsNamed() throws {
        let container = try openCheckpoint(at: FixturePaths.bark("bark-tiny-nobias").appendingPathComponent("model.safetensors"))
        let configuration = try EncodecFixture.barkCodecConfiguration(FixturePaths.bark("bark-tiny-nobias"))
        let name = "codec_model.quantizer.layers.3.codebook.embed"
        let edited = EditedContainer(base: container, reshaped: [name: [512, 16]])
        #expect(throws: CheckpointError.shapeMismatch(file: container.url.path, tensor: name, expected: [1024, 8], actual: [512, 16])) {
            try EncodecModel(configuration: configuration, container: edited, prefix: "codec_model.")
        }
        // A config that disagrees with the weights (more filters) fails on the first conv.
        var wider = configuration
        wider.numFilters = 3
        #expect(throws: CheckpointError.self) { try EncodecModel(configuration: wider, container: container, prefix: "codec_model.") }
    }

    @Test func directoryWithoutWeightsIsRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("encodec-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("{}".utf8).write(to: directory.appendingPathComponent("config.json"))
        #expect(throws: CheckpointError.self) { try EncodecModel.load(directory: directory) }
    }
}

/// A container that hides some tensors or reports other shapes for them.
struct EditedContainer: TensorContainer {
    let base: any TensorContainer
    var hidden: Set<String> = []
    var reshaped: [String: [Int]] = [:]

    var url: URL { base.url }
    var format: CheckpointFormat { base.format }
    var attributes: [String: CheckpointValue] { base.attributes }
    var tensorInfos: [String: TensorInfo] {
        var infos = base.tensorInfos.filter { !hidden.contains($0.key) }
        for (name, shape) in reshaped { if let info = infos[name] { infos[name] = TensorInfo(name: name, dtype: info.dtype, shape: shape) } }
        return infos
    }
    func floatTensor(_ name: String) throws -> Tensor {
        if hidden.contains(name) { throw CheckpointError.missingTensor(file: url.path, tensor: name) }
        return try base.floatTensor(name)
    }
}
