import Checkpoints
import Foundation
import Tensors
import Testing
@testable import Bark
import TestSupport

@Suite struct CheckpointInspectionTests {
    @Test(arguments: ["bark-tiny-nobias", "bark-tiny-bias", "bark-tiny-nobias/suno", "bark-tiny-bias/suno"])
    func fixturesAreComplete(path: String) throws {
        let inspection = try CheckpointInspection(url: FixturePaths.fixtures.appendingPathComponent(path))
        #expect(inspection.isComplete)
        #expect(inspection.stages.map(\.stage) == [.semantic, .coarse, .fine])
        let report = inspection.report()
        #expect(report.contains("nothing unexpected"))
        #expect(report.contains("semantic"))
    }

    @Test func parameterCountsAndSummaryOfTheNoBiasFixture() throws {
        let inspection = try CheckpointInspection(url: FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias"))
        #expect(inspection.layout == .huggingFace)
        #expect(inspection.files.map(\.format) == [.safetensors])
        let semantic = try #require(inspection.stages.first)
        // 500·16 + 1024·16 + 2 layers · (2·16 + 16·(48+16+64) + 64·16) + 16 + 120·16
        #expect(semantic.parameterCount == 500 * 16 + 1024 * 16 + 2 * (2 * 16 + 16 * 48 + 16 * 16 + 64 * 16 + 16 * 64) + 16 + 120 * 16)
        #expect(semantic.dtypes == [.float32: 2 + 2 * 6 + 2])
        let fine = try #require(inspection.stages.last)
        #expect(fine.tied.count == 7)
        #expect(inspection.codecTensorCount > 0)
        #expect(inspection.report().contains("tied to input embeddings (7 absent from the file)"))
    }

    @Test func weightsFileBesideItsConfigIsReadWithIt() throws {
        let inspection = try CheckpointInspection(url: FixturePaths.fixtures.appendingPathComponent("bark-tiny-bias/pytorch_model.bin"))
        #expect(inspection.layout == .huggingFace)
        #expect(inspection.files.map(\.format) == [.pytorchZip])
        #expect(inspection.isComplete)
    }

    @Test func singleSunoFileIsOneStage() throws {
        let inspection = try CheckpointInspection(url: FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias/suno/coarse.pt"))
        #expect(inspection.stages.map(\.stage) == [.coarse])
        #expect(inspection.isComplete)
    }

    @Test func missingUnexpectedAndMisshapenTensorsAreListed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias/config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        try SafetensorsWriter.write([
            "semantic.input_embeds_layer.weight": Tensor(zeros: [500, 16]),
            "semantic.lm_head.weight": Tensor(zeros: [16, 120]),
            "semantic.layers.0.attn.rotary.weight": Tensor(zeros: [2]),
            "vocoder.weight": Tensor(zeros: [1]),
        ], to: directory.appendingPathComponent("model.safetensors"))
        let inspection = try CheckpointInspection(url: directory)
        #expect(!inspection.isComplete)
        let semantic = try #require(inspection.stages.first { $0.stage == .semantic })
        #expect(semantic.missing.contains("position_embeds_layer.weight"))
        #expect(!semantic.missing.contains("input_embeds_layer.weight"))
        #expect(semantic.unexpected == ["layers.0.attn.rotary.weight"])
        #expect(semantic.misshapen.map(\.name) == ["lm_head.weight"])
        #expect(semantic.misshapen.first?.actual == [16, 120])
        #expect(inspection.strayTensors == ["vocoder.weight"])
        let report = inspection.report()
        #expect(report.contains("shape     semantic: lm_head.weight is [16, 120], expected [120, 16]"))
        #expect(report.contains("unexpected: vocoder.weight (belongs to no stage)"))
        // Loading the same directory fails with a typed error naming the file and tensor.
        #expect(throws: CheckpointError.missingTensor(file: directory.appendingPathComponent("model.safetensors").path,
                                                      tensor: "semantic.position_embeds_layer.weight")) {
            try BarkModels(contentsOf: directory)
        }
    }

    @Test func notAModelDirectoryIsExplained() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try CheckpointInspection(url: directory)
            Issue.record("expected an error")
        } catch let error as CheckpointError {
            #expect(error.description.contains("not a Bark model directory"))
            #expect(error.description.contains("text.pt, coarse.pt, fine.pt"))
        }
    }
}

@Suite struct WrongShapeLoadingTests {
    /// A complete copy of the fixture whose `coarse_acoustics.lm_head.weight` is stored transposed.
    @Test func misshapenTensorFailsLoadingNamingFileAndTensor() throws {
        let fixture = FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias")
        let container = try openCheckpoint(at: fixture.appendingPathComponent("model.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in container.tensorInfos.keys where !name.hasPrefix("codec_model.") {
            let tensor = try container.floatTensor(name)
            tensors[name] = name == "coarse_acoustics.lm_head.weight" ? tensor.reshaped(tensor.shape.reversed()) : tensor
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-shape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: fixture.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json"))
        let weights = directory.appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors, to: weights)
        #expect(throws: CheckpointError.shapeMismatch(file: weights.path, tensor: "coarse_acoustics.lm_head.weight",
                                                      expected: [300, 16], actual: [16, 300])) {
            try BarkModels(contentsOf: directory)
        }
        let semantic = try BarkModelSource.open(directory).stage(.semantic)
        _ = try BarkCausalModel(configuration: semantic.configuration, tensors: semantic.tensors)  // other stages still load
    }
}
