import Checkpoints
import Foundation
import Tensors
import Testing
@testable import Bark
import TestSupport

/// `model.safetensors`, `pytorch_model.bin` and Suno's `text.pt`/`coarse.pt`/`fine.pt` of the same
/// fixture hold identical weights, and every layout yields the same model.
@Suite struct CheckpointLayoutEquivalenceTests {
    struct Layouts {
        let safetensors: [BarkStage: StageTensors]
        let pytorch: [BarkStage: StageTensors]
        let suno: BarkModelSource
    }

    private func layouts(_ fixture: String) throws -> Layouts {
        let directory = FixturePaths.fixtures.appendingPathComponent(fixture)
        let safetensors = try openCheckpoint(at: directory.appendingPathComponent("model.safetensors"))
        let pytorch = try openCheckpoint(at: directory.appendingPathComponent("pytorch_model.bin"))
        #expect(safetensors.format == .safetensors)
        #expect(pytorch.format == .pytorchZip)
        var a: [BarkStage: StageTensors] = [:], b: [BarkStage: StageTensors] = [:]
        for stage in BarkStage.allCases {
            a[stage] = StageTensors(huggingFace: safetensors, stage: stage)
            b[stage] = StageTensors(huggingFace: pytorch, stage: stage)
        }
        let suno = try BarkModelSource.open(directory.appendingPathComponent("suno"))
        #expect(suno.layout == .suno)
        return Layouts(safetensors: a, pytorch: b, suno: suno)
    }

    @Test(arguments: barkFixtures)
    func allThreeLayoutsHoldIdenticalWeights(fixture: String) throws {
        let l = try layouts(fixture)
        for stage in BarkStage.allCases {
            let reference = try #require(l.safetensors[stage])
            let bin = try #require(l.pytorch[stage])
            let suno = try l.suno.stage(stage).tensors
            #expect(Set(reference.storedNames.keys) == Set(bin.storedNames.keys), "\(stage): key sets differ")
            for local in reference.storedNames.keys.sorted() {
                let info = try #require(reference.info(local))
                let expected = try reference.tensor(local, shape: info.shape)
                #expect(try bin.tensor(local, shape: info.shape) == expected, "\(stage) \(local) (pytorch_model.bin)")
                #expect(try suno.tensor(local, shape: info.shape) == expected, "\(stage) \(local) (Suno)")
            }
            // Suno's fine file carries the tied heads that the HF files drop; nothing else extra.
            let extra = Set(suno.storedNames.keys).subtracting(reference.storedNames.keys)
            #expect(extra.allSatisfy { $0.hasPrefix("lm_heads.") }, "\(stage): unexpected Suno tensors \(extra.sorted())")
        }
    }

    @Test(arguments: barkFixtures)
    func sunoConfigurationEqualsHuggingFaceConfiguration(fixture: String) throws {
        let l = try layouts(fixture)
        let hf = try BarkConfiguration.load(from: FixturePaths.fixtures.appendingPathComponent(fixture).appendingPathComponent("config.json"))
        for stage in BarkStage.allCases {
            var suno = try l.suno.stage(stage).configuration
            // Suno's fine heads are always tied; HF records the choice in the config.
            suno.tiesOutputEmbeddings = hf[stage].tiesOutputEmbeddings
            #expect(suno == hf[stage], "\(stage)")
        }
    }

    @Test(arguments: barkFixtures)
    func sunoModelsGiveReferenceLogits(fixture: String) throws {
        let models = try BarkModels(contentsOf: FixturePaths.fixtures.appendingPathComponent(fixture).appendingPathComponent("suno"))
        let ids = try referenceArray(fixture, "semantic_input_ids").integers()
        let error = relativeError(try models.semantic.logits(tokens: ids).scalars,
                                  try referenceArray(fixture, "semantic_logits_full").floats())
        #expect(error <= logitTolerance)
        let fineInput = try referenceArray(fixture, "fine_input_ids")
        let k = models.fine.configuration.codebooksTotal - 1
        let fineError = relativeError(
            try models.fine.logits(codes: try fineInput.integers(), positions: fineInput.shape[1], codebook: k).scalars,
            try referenceArray(fixture, "fine_logits_k\(k)").floats())
        #expect(fineError <= logitTolerance)
    }

    @Test func pytorchBinIsUsedWhenThereIsNoSafetensors() throws {
        let fixture = FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-bin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["config.json", "pytorch_model.bin"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let source = try BarkModelSource.open(directory)
        #expect(source.containers.first?.format == .pytorchZip)
        let models = try BarkModels(source: source)
        let ids = try referenceArray("bark-tiny-nobias", "coarse_input_ids").integers()
        #expect(relativeError(try models.coarse.logits(tokens: ids).scalars,
                              try referenceArray("bark-tiny-nobias", "coarse_logits_full").floats()) <= logitTolerance)
    }
}
