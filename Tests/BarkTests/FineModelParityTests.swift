import Checkpoints
import Foundation
import Tensors
import Testing
@testable import Bark
import TestSupport

/// The fine stage against transformers' `BarkFineModel` logits for every predictable codebook.
@Suite struct FineModelParityTests {
    @Test(arguments: barkFixtures)
    func everyCodebookMatchesReference(fixture: String) throws {
        let source = try BarkModelSource.open(FixturePaths.fixtures.appendingPathComponent(fixture))
        let stage = try source.stage(.fine)
        let model = try BarkFineModel(configuration: stage.configuration, tensors: stage.tensors)
        let input = try referenceArray(fixture, "fine_input_ids")
        let positions = input.shape[1]
        #expect(input.shape[2] == model.configuration.codebooksTotal)
        let codes = try input.integers()
        var worst: Float = 0
        for codebook in model.predictableCodebooks {
            let expected = try referenceArray(fixture, "fine_logits_k\(codebook)").floats()
            let logits = try model.logits(codes: codes, positions: positions, codebook: codebook)
            let error = relativeError(logits.scalars, expected)
            worst = max(worst, error)
            #expect(error <= logitTolerance, "codebook \(codebook)")
        }
        reportParity(fixture, "fine (all codebooks)", worst)
    }

    @Test func tiedAndUntiedHeadsAreResolvedAsTheFileSays() throws {
        let tied = try BarkModelSource.open(FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias")).stage(.fine)
        #expect(tied.configuration.tiesOutputEmbeddings)
        #expect(!tied.tensors.contains("lm_heads.0.weight"))
        let untied = try BarkModelSource.open(FixturePaths.fixtures.appendingPathComponent("bark-tiny-bias")).stage(.fine)
        #expect(!untied.configuration.tiesOutputEmbeddings)
        #expect(untied.tensors.contains("lm_heads.0.weight"))
    }

    @Test func badCodebookAndIdsAreRejected() throws {
        let stage = try BarkModelSource.open(FixturePaths.fixtures.appendingPathComponent("bark-tiny-bias")).stage(.fine)
        let model = try BarkFineModel(configuration: stage.configuration, tensors: stage.tensors)
        let total = model.configuration.codebooksTotal
        let codes = [Int](repeating: 0, count: 3 * total)
        #expect(throws: BarkError.invalidCodebook(index: 1, valid: 2..<total)) {
            try model.logits(codes: codes, positions: 3, codebook: 1)
        }
        var bad = codes
        bad[total + 2] = model.configuration.inputVocabularySize
        #expect(throws: BarkError.tokenOutOfRange(stage: .fine, position: 1, codebook: 2, token: model.configuration.inputVocabularySize,
                                                  vocabularySize: model.configuration.inputVocabularySize)) {
            try model.logits(codes: bad, positions: 3, codebook: 2)
        }
        #expect(throws: BarkError.self) { try model.logits(codes: codes, positions: 2, codebook: 2) }
    }
}
