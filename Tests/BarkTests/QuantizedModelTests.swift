import Checkpoints
import Foundation
import Tensors
import Testing
@testable import Bark
import TestSupport

/// The tiny fixtures loaded in every weight format against the same fixtures in f32: logits within
/// a per-format tolerance (max |Δ| / max |logit_f32|), and greedy decoding mostly agreeing.
///
/// The tiny models (hidden 16, 2 layers) are a harsh case for q4: every row is one partial group
/// of 16 (or two of 32 for the MLP output), so its error is far above what 768-wide layers see.
@Suite struct QuantizedModelTests {
    static let tolerance: [WeightFormat: Float] = [.bf16: 2e-2, .int8: 5e-2, .q4: 6e-1]
    /// Of 32 teacher-forced greedy steps.
    static let minimumAgreement: [WeightFormat: Int] = [.bf16: 28, .int8: 28, .q4: 14]
    static let formats: [WeightFormat] = [.bf16, .int8, .q4]
    static let cases: [(String, WeightFormat)] = barkFixtures.flatMap { f in formats.map { (f, $0) } }

    func models(_ fixture: String, _ format: WeightFormat) throws -> BarkModels {
        try BarkModels(contentsOf: FixturePaths.fixtures.appendingPathComponent(fixture), weightFormat: format)
    }

    @Test(arguments: cases)
    func logitsStayNearF32(fixture: String, format: WeightFormat) throws {
        let reference = try models(fixture, .f32), quantized = try models(fixture, format)
        #expect(quantized.weightFormat == format)
        for stage in [BarkStage.semantic, .coarse] {
            let ids = try referenceArray(fixture, "\(stage)_input_ids").integers()
            let r = stage == .semantic ? reference.semantic : reference.coarse
            let q = stage == .semantic ? quantized.semantic : quantized.coarse
            let error = relativeError(try q.logits(tokens: ids).scalars, try r.logits(tokens: ids).scalars)
            print("quantized model \(fixture) \(format) \(stage): logits max relative error \(String(format: "%.3e", error))")
            #expect(error <= Self.tolerance[format]!, "\(stage)")
        }
        let codes = try referenceArray(fixture, "fine_input_ids").integers()
        let positions = codes.count / reference.fine.configuration.codebooksTotal
        for codebook in reference.fine.predictableCodebooks {
            let error = relativeError(try quantized.fine.logits(codes: codes, positions: positions, codebook: codebook).scalars,
                                      try reference.fine.logits(codes: codes, positions: positions, codebook: codebook).scalars)
            print("quantized model \(fixture) \(format) fine k\(codebook): logits max relative error \(String(format: "%.3e", error))")
            #expect(error <= Self.tolerance[format]!, "fine k\(codebook)")
        }
    }

    /// Greedy decoding of 32 tokens after an 8-token prompt with the KV cache. Teacher-forced: both
    /// models are fed the f32 model's greedy choices, and the test counts the steps where the
    /// quantized model's argmax is the same (free-running agreement, each model fed its own
    /// choices, is printed too: on these random tiny models one flip changes everything after it).
    @Test(arguments: cases)
    func greedyTokensMostlyAgree(fixture: String, format: WeightFormat) throws {
        let reference = try models(fixture, .f32), quantized = try models(fixture, format)
        for stage in [BarkStage.semantic, .coarse] {
            let prompt = Array(try referenceArray(fixture, "\(stage)_input_ids").integers().prefix(8))
            let r = stage == .semantic ? reference.semantic : reference.coarse
            let q = stage == .semantic ? quantized.semantic : quantized.coarse
            let a = try greedy(r, prompt: prompt, steps: 32)
            let forced = try greedy(q, prompt: prompt, steps: 32, forcing: a)
            let free = try greedy(q, prompt: prompt, steps: 32)
            let agree = zip(a, forced).filter { $0 == $1 }.count
            let freeAgree = zip(a, free).filter { $0 == $1 }.count
            print("quantized model \(fixture) \(format) \(stage): teacher-forced greedy agreement \(agree)/32, free-running \(freeAgree)/32")
            #expect(agree >= Self.minimumAgreement[format]!, "\(stage)")
        }
    }

    /// `forward(…, logitRange:)` (the coarse stage's codebook of the step) gives the full pass's
    /// logits inside the range — bit for bit with quantized weights, to OpenBLAS's rounding in
    /// f32 — and −∞ elsewhere, for a prefill and for decoding steps.
    @Test(arguments: barkFixtures.flatMap { f in ([WeightFormat.f32] + Self.formats).map { (f, $0) } })
    func logitRangeGivesTheFullPassLogitsThere(fixture: String, format: WeightFormat) throws {
        let coarse = try models(fixture, format).coarse
        let vocabulary = coarse.configuration.outputVocabularySize
        let prompt = Array(try referenceArray(fixture, "coarse_input_ids").integers().prefix(8))
        let ranges = [vocabulary / 3..<vocabulary / 2, vocabulary / 2..<vocabulary, 0..<1]
        var fullCache = coarse.makeCache(), rangeCache = coarse.makeCache()
        var full = TransformerWorkspace(), part = TransformerWorkspace()
        for (step, tokens) in [prompt, [prompt[1]], [prompt[2]], [prompt[3]]].enumerated() {
            let range = ranges[step % ranges.count]
            try coarse.forward(tokens: tokens, cache: &fullCache, workspace: &full, lastPositionOnly: true)
            try coarse.forward(tokens: tokens, cache: &rangeCache, workspace: &part, lastPositionOnly: true, logitRange: range)
            let a = full.logitsRow(0), b = part.logitsRow(0)
            #expect(b.count == vocabulary)
            if format == .f32 {
                #expect(relativeError(Array(b[range]), Array(a[range])) <= 1e-6, "step \(step)")
            } else {
                #expect(Array(b[range]) == Array(a[range]), "step \(step) \(range)")
            }
            #expect(b.indices.filter { !range.contains($0) }.allSatisfy { b[$0] == -.infinity }, "step \(step)")
        }
    }

    /// Greedy argmax per step; feeds `forcing[i]` instead of the argmax when given.
    private func greedy(_ model: BarkCausalModel, prompt: [Int], steps: Int, forcing: [Int]? = nil) throws -> [Int] {
        var cache = model.makeCache(), workspace = TransformerWorkspace(), tokens: [Int] = []
        try model.forward(tokens: prompt, cache: &cache, workspace: &workspace, lastPositionOnly: true)
        for _ in 0..<steps {
            let row = workspace.logitsRow(0)
            var best = 0
            for i in row.indices where row[i] > row[best] { best = i }
            // Keep the token inside the input vocabulary (the tiny semantic head is smaller).
            let next = (forcing?[tokens.count] ?? best) % model.configuration.inputVocabularySize
            tokens.append(best)
            try model.forward(tokens: [next], cache: &cache, workspace: &workspace, lastPositionOnly: true)
        }
        return tokens
    }
}
