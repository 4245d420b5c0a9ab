import Testing
import Tensors
@testable import Bark

@Suite struct TokenSamplerTests {
    let logits: [Float] = [1, 5, 3, 5, -2, 4]

    @Test func greedyTakesTheFirstAllowedMaximum() {
        var sampler = TokenSampler(options: .greedy)
        var rng = SeededRandomGenerator(seed: 1)
        #expect(sampler.choose(logits: logits, allowed: [Bool](repeating: true, count: 6), using: &rng) == 1)
        #expect(sampler.choose(logits: logits, allowed: [true, false, true, true, true, true], using: &rng) == 3)
        #expect(sampler.choose(logits: logits, allowed: [true, false, true, false, true, false], using: &rng) == 2)
    }

    @Test func eosIsForcedOnlyAboveTheThreshold() {
        var sampler = TokenSampler(options: .greedy)
        var rng = SeededRandomGenerator(seed: 1)
        let allowed = [true, true, true, false, true, true]
        // p(EOS = 5) among allowed = e^4 / (e^1 + e^5 + e^3 + e^-2 + e^4) ≈ 0.2416
        let p = sampler.probability(of: 5, logits: logits, allowed: allowed)
        #expect(abs(p - 0.24164) < 1e-4)
        #expect(sampler.choose(logits: logits, allowed: allowed, eos: 5, minEOSProbability: 0.2, using: &rng) == 5)
        #expect(sampler.choose(logits: logits, allowed: allowed, eos: 5, minEOSProbability: 0.3, using: &rng) == 1)
    }

    @Test func samplingIsRepeatableAndFollowsTheDistribution() {
        var sampler = TokenSampler(options: SamplingOptions(doSample: true, temperature: 1))
        let allowed = [Bool](repeating: true, count: 6)
        func draws(seed: UInt64) -> [Int] {
            var rng = SeededRandomGenerator(seed: seed)
            return (0..<4000).map { _ in sampler.choose(logits: logits, allowed: allowed, using: &rng) }
        }
        let a = draws(seed: 42)
        #expect(a == draws(seed: 42))
        #expect(a != draws(seed: 43))
        // Tokens 1 and 3 each have p ≈ 0.40; token 4 (logit −2) ≈ 0.0005.
        let share = Double(a.filter { $0 == 1 }.count) / Double(a.count)
        #expect(abs(share - 0.40) < 0.03)
        #expect(a.filter { $0 == 4 }.count < 15)
    }

    @Test func topKKeepsTiesAndTopPKeepsTheSmallestMass() {
        let allowed = [Bool](repeating: true, count: 6)
        var rng = SeededRandomGenerator(seed: 7)
        var topK = TokenSampler(options: SamplingOptions(doSample: true, topK: 2))
        let k = Set((0..<500).map { _ in topK.choose(logits: logits, allowed: allowed, using: &rng) })
        #expect(k == [1, 3])
        var topP = TokenSampler(options: SamplingOptions(doSample: true, topP: 0.5))
        let p = Set((0..<500).map { _ in topP.choose(logits: logits, allowed: allowed, using: &rng) })
        #expect(p.isSubset(of: [1, 3]) && !p.isEmpty)
        var lowTemperature = TokenSampler(options: SamplingOptions(doSample: true, temperature: 0.01))
        let cold = Set((0..<200).map { _ in lowTemperature.choose(logits: [0, 1, 9, 2], allowed: [true, true, true, true], using: &rng) })
        #expect(cold == [2])
    }
}

@Suite struct ReferenceArithmeticTests {
    @Test func pythonRoundingAndSlicing() {
        #expect(PythonArithmetic.round(2.5) == 2 && PythonArithmetic.round(3.5) == 4 && PythonArithmetic.round(-0.5) == 0)
        #expect(PythonArithmetic.modulo(-3, 1024) == 1021)
        #expect(PythonArithmetic.suffix([1, 2, 3], 0) == [1, 2, 3])
        #expect(PythonArithmetic.suffix([1, 2, 3], 2) == [2, 3])
    }

    @Test func coarseLengthsAndHistoryMatchBarksNumbers() {
        let c = BarkGenerationConfiguration()
        #expect(abs(c.semanticToCoarseRatio - 3.006012024048096) < 1e-12)
        // floor(n·3.006/2)·2 in float32
        #expect(CoarseGeneration.outputLength(validSemanticTokens: 100, configuration: c) == 300)
        #expect(CoarseGeneration.outputLength(validSemanticTokens: 768, configuration: c) == 2308)
        let semantic = Array(0..<309)
        let coarse = [Array(0..<464), Array(0..<464)]
        let h = CoarseGeneration.history(semanticPrompt: semantic, coarsePrompt: coarse, configuration: c)
        // n_sem = min(209, 308, floor(928/3.006) = 308) = 209; n_coarse = round(209·3.006) = 628, minus 2.
        #expect(h.semantic == Array(100..<309))
        #expect(h.coarse.count == 626)
        #expect(h.coarse.first == 10_000 + (464 - 314) && h.coarse[1] == 10_000 + 1024 + (464 - 314))
    }
}
