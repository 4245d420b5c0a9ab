import Foundation
import Tensors
import Testing
@testable import OmniBark
import TestSupport

@Suite struct WeightFormatQualityTests {
    static let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled")

    @Test func float32AgainstItselfIsExact() throws {
        let reference = try SpeechModel(directory: Self.model)
        let q = try WeightFormatQuality.measure(reference: reference, candidate: try SpeechModel(directory: Self.model),
                                                prompts: ["Hello, my dog is cute."], maxSemanticTokens: 10)
        #expect(q.semanticLogits.maxRelative == 0 && q.coarseLogits.maxRelative == 0 && q.fineLogits.maxRelative == 0)
        #expect(q.semanticAgreement == 1 && q.coarseAgreement == 1 && q.fineAgreement == 1)
        #expect(q.waveformSNR == .infinity)
    }

    @Test func int8StaysCloseToFloat32() throws {
        let q = try WeightFormatQuality.measure(reference: try SpeechModel(directory: Self.model),
                                                candidate: try SpeechModel(directory: Self.model, weightFormat: .int8, useWeightCache: false),
                                                prompts: ["Hello, my dog is cute."], maxSemanticTokens: 10)
        #expect(q.format == .int8)
        #expect(q.semanticLogits.maxRelative > 0 && q.semanticLogits.maxRelative < 0.05)
        #expect(q.fineLogits.meanRelative < 0.05)
        #expect((0...1).contains(q.coarseAgreement))
    }
}
