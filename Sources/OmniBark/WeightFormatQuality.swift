import Bark
import Foundation
import Tensors

/// How far a weight format's output is from the float32 reference on the same model.
public struct WeightFormatQuality: Sendable {
    public struct LogitError: Sendable {
        /// max |Δ| / max |reference| over all logits of the probe.
        public let maxRelative: Double
        /// mean |Δ| / mean |reference|.
        public let meanRelative: Double
    }

    public let format: WeightFormat
    public let semanticLogits: LogitError
    public let coarseLogits: LogitError
    public let fineLogits: LogitError
    /// Fraction of greedy tokens equal to float32's, each stage fed float32's upstream tokens.
    public let semanticAgreement: Double
    public let coarseAgreement: Double
    public let fineAgreement: Double
    /// Signal-to-noise ratio (dB) of the final audio against float32's (free-running generation).
    public let waveformSNR: Double

    /// Compares `candidate` with `reference` (the same weights in float32) on fixed probes: 64
    /// random token ids per causal stage and 64 random frames for the fine stage (seeded; fewer when
    /// the block size is smaller), plus greedy
    /// generation of each prompt (at most `maxSemanticTokens` semantic tokens).
    public static func measure(reference: SpeechModel, candidate: SpeechModel, prompts: [String],
                               maxSemanticTokens: Int = 40) throws -> WeightFormatQuality {
        var random = SeededRandomGenerator(seed: 7)
        func ids(_ count: Int, below limit: Int) -> [Int] { (0..<count).map { _ in Int(random.next() % UInt64(limit)) } }
        let r = reference.generator.models, c = candidate.generator.models
        let semanticIDs = ids(min(64, r.semantic.configuration.blockSize), below: r.semantic.configuration.inputVocabularySize)
        let coarseIDs = ids(min(64, r.coarse.configuration.blockSize), below: r.coarse.configuration.inputVocabularySize)
        let total = r.fine.configuration.codebooksTotal
        let positions = min(64, r.fine.configuration.blockSize)
        let codes = ids(positions * total, below: min(1024, r.fine.configuration.inputVocabularySize))
        let semantic = compare(try r.semantic.logits(tokens: semanticIDs).scalars, try c.semantic.logits(tokens: semanticIDs).scalars)
        let coarse = compare(try r.coarse.logits(tokens: coarseIDs).scalars, try c.coarse.logits(tokens: coarseIDs).scalars)
        var fineReference: [Float] = [], fineCandidate: [Float] = []
        for k in r.fine.predictableCodebooks {
            fineReference += try r.fine.logits(codes: codes, positions: positions, codebook: k).scalars
            fineCandidate += try c.fine.logits(codes: codes, positions: positions, codebook: k).scalars
        }
        let fine = compare(fineReference, fineCandidate)

        var configuration = reference.generator.configuration
        configuration.semantic.sampling = .greedy
        configuration.coarse.sampling = .greedy
        configuration.fine.temperature = nil
        configuration.semantic.maxNewTokens = maxSemanticTokens
        var agree = [0, 0, 0], count = [0, 0, 0]
        var signal = 0.0, noise = 0.0
        for prompt in prompts {
            let base = try reference.generator.generate(text: prompt, voice: nil, configuration: configuration, seed: 1)
            var gen = StageRandomGenerators(seed: 1)
            let tokens = reference.generator.tokenizer.encode(prompt)
            let semanticC = try SemanticGeneration.generate(model: c.semantic, textTokens: tokens, history: nil,
                                                            configuration: configuration, generator: &gen.semantic)
            let coarseC = try CoarseGeneration.generate(model: c.coarse, semantic: base.semantic, history: nil,
                                                        configuration: configuration, generator: &gen.coarse)
            let fineC = try FineGeneration.generate(model: c.fine, coarse: base.coarse, history: nil,
                                                    configuration: configuration, generator: &gen.fine)
            for (i, pair) in [(base.semantic, semanticC), (base.coarse, coarseC), (base.fine.flatMap { $0 }, fineC.flatMap { $0 })].enumerated() {
                agree[i] += zip(pair.0, pair.1).filter { $0 == $1 }.count
                count[i] += max(pair.0.count, pair.1.count)
            }
            let free = try candidate.generator.generate(text: prompt, voice: nil, configuration: configuration, seed: 1)
            let a = try reference.codec.decode(codes: base.fine), b = try reference.codec.decode(codes: free.fine)
            for i in 0..<max(a.count, b.count) {
                let x = i < a.count ? Double(a[i]) : 0, y = i < b.count ? Double(b[i]) : 0
                signal += x * x
                noise += (x - y) * (x - y)
            }
        }
        func share(_ i: Int) -> Double { count[i] > 0 ? Double(agree[i]) / Double(count[i]) : 1 }
        return WeightFormatQuality(format: c.weightFormat, semanticLogits: semantic, coarseLogits: coarse, fineLogits: fine,
                                   semanticAgreement: share(0), coarseAgreement: share(1), fineAgreement: share(2),
                                   waveformSNR: noise == 0 ? .infinity : 10 * log10(signal / max(noise, 1e-30)))
    }

    private static func compare(_ reference: [Float], _ candidate: [Float]) -> LogitError {
        var maxDelta = 0.0, maxRef = 0.0, sumDelta = 0.0, sumRef = 0.0
        for (x, y) in zip(reference, candidate) {
            let d = abs(Double(x) - Double(y))
            maxDelta = max(maxDelta, d)
            maxRef = max(maxRef, abs(Double(x)))
            sumDelta += d
            sumRef += abs(Double(x))
        }
        return LogitError(maxRelative: maxRef > 0 ? maxDelta / maxRef : 0, meanRelative: sumRef > 0 ? sumDelta / sumRef : 0)
    }
}
