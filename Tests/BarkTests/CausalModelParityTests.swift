import Checkpoints
import Foundation
import Tensors
import Testing
@testable import Bark
import TestSupport

/// Semantic and coarse stages against transformers' `BarkCausalModel` logits on the same weights.
@Suite struct CausalModelParityTests {
    static let cases: [(String, BarkStage)] = barkFixtures.flatMap { f in [(f, BarkStage.semantic), (f, .coarse)] }

    private func model(_ fixture: String, _ stage: BarkStage) throws -> BarkCausalModel {
        let source = try BarkModelSource.open(FixturePaths.fixtures.appendingPathComponent(fixture))
        let found = try source.stage(stage)
        return try BarkCausalModel(configuration: found.configuration, tensors: found.tensors)
    }

    @Test(arguments: cases)
    func fullSequenceLogitsMatchReference(fixture: String, stage: BarkStage) throws {
        let model = try model(fixture, stage)
        let ids = try referenceArray(fixture, "\(stage)_input_ids").integers()
        let expected = try referenceArray(fixture, "\(stage)_logits_full")
        let logits = try model.logits(tokens: ids)
        #expect(logits.shape == [ids.count, model.configuration.outputVocabularySize])
        #expect(expected.shape == [1] + logits.shape)
        let error = relativeError(logits.scalars, expected.floats())
        reportParity(fixture, "\(stage) full", error)
        #expect(error <= logitTolerance)
    }

    @Test(arguments: cases)
    func cachedStepsMatchReferenceAndFullPass(fixture: String, stage: BarkStage) throws {
        let model = try model(fixture, stage)
        let ids = try referenceArray(fixture, "\(stage)_input_ids").integers()
        let expected = try referenceArray(fixture, "\(stage)_logits_cached").floats()
        var cache = model.makeCache()
        var workspace = TransformerWorkspace()
        var collected: [Float] = []
        // As the reference: prefill the first 8 ids, then one id per step.
        try model.forward(tokens: Array(ids[0..<8]), cache: &cache, workspace: &workspace)
        for row in 0..<8 { collected += workspace.logitsRow(row) }
        for id in ids[8...] {
            try model.forward(tokens: [id], cache: &cache, workspace: &workspace)
            collected += workspace.logitsRow(0)
        }
        #expect(cache.count == ids.count)
        let error = relativeError(collected, expected)
        reportParity(fixture, "\(stage) cached", error)
        #expect(error <= logitTolerance)
        let full = try model.logits(tokens: ids)
        #expect(relativeError(collected, full.scalars) <= 1e-5)
    }

    @Test(arguments: cases)
    func logitsFromInputEmbeddingsMatchReference(fixture: String, stage: BarkStage) throws {
        let model = try model(fixture, stage)
        let embeddings = try referenceArray(fixture, "\(stage)_input_embeds").tensor()
        let expected = try referenceArray(fixture, "\(stage)_logits_from_embeds").floats()
        let rows = embeddings.shape[1], hidden = embeddings.shape[2]
        let input = embeddings.reshaped([rows, hidden])
        let error = relativeError(try model.logits(embeddings: input).scalars, expected)
        reportParity(fixture, "\(stage) from embeddings", error)
        #expect(error <= logitTolerance)

        // The cached path from embeddings, last position only, equals the last full row.
        var cache = model.makeCache()
        var workspace = TransformerWorkspace()
        try model.forward(embeddings: input, cache: &cache, workspace: &workspace, lastPositionOnly: true)
        #expect(workspace.logitRows == 1)
        let width = model.configuration.outputVocabularySize
        #expect(relativeError(workspace.logitsRow(0), Array(expected[((rows - 1) * width)...])) <= logitTolerance)
    }

    @Test func badInputIsRejectedWithTypedErrors() throws {
        let model = try model("bark-tiny-nobias", .semantic)
        let vocabulary = model.configuration.inputVocabularySize
        #expect(throws: BarkError.tokenOutOfRange(stage: .semantic, position: 1, codebook: nil, token: vocabulary, vocabularySize: vocabulary)) {
            try model.logits(tokens: [0, vocabulary])
        }
        #expect(throws: BarkError.invalidInput(stage: .semantic, reason: "no input tokens")) { try model.logits(tokens: []) }
        var cache = KVCache(layers: model.configuration.layers, capacity: 4, hidden: model.configuration.hiddenSize)
        var workspace = TransformerWorkspace()
        #expect(throws: BarkError.sequenceTooLong(stage: .semantic, length: 5, limit: 4)) {
            try model.forward(tokens: [1, 2, 3, 4, 5], cache: &cache, workspace: &workspace)
        }
        #expect(cache.count == 0)
    }
}
