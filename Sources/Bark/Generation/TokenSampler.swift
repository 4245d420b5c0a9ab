import Foundation
import Tensors

/// Chooses one token from a row of logits the way transformers' `generate` does for Bark:
/// first the stage's logits processors (an allowed-token mask; the semantic EOS prioritiser), then,
/// when sampling, temperature → top-k → top-p, softmax and a multinomial draw; when greedy, argmax
/// (first index on ties, as `torch.argmax`).
///
/// Thread safety: a value type with scratch buffers; one per generation.
public struct TokenSampler: Sendable {
    public var options: SamplingOptions
    private var scratch: [Float] = []
    private var order: [Int] = []

    public init(options: SamplingOptions) { self.options = options }

    /// Picks a token from `logits[0 ..< allowed.count]`, considering only indices where
    /// `allowed[i]` is true. When `eos` is given with `minEOSProbability`, EOS is returned outright
    /// if its probability among the allowed tokens (before temperature) exceeds that value.
    public mutating func choose(
        logits: [Float], allowed: [Bool], eos: Int? = nil, minEOSProbability: Double? = nil,
        using generator: inout SeededRandomGenerator
    ) -> Int {
        let width = allowed.count
        precondition(logits.count >= width, "logits shorter than the allowed mask")
        if let eos, let minEOSProbability, eos < width, allowed[eos] {
            if probability(of: eos, logits: logits, allowed: allowed) > minEOSProbability { return eos }
        }
        if !options.doSample { return argmax(logits, allowed: allowed) }
        return sample(logits, allowed: allowed, using: &generator)
    }

    /// Softmax probability of `index` among the allowed logits, in double precision.
    func probability(of index: Int, logits: [Float], allowed: [Bool]) -> Double {
        var maximum = -Float.infinity
        for i in 0..<allowed.count where allowed[i] && logits[i] > maximum { maximum = logits[i] }
        var sum = 0.0
        for i in 0..<allowed.count where allowed[i] { sum += exp(Double(logits[i] - maximum)) }
        return exp(Double(logits[index] - maximum)) / sum
    }

    func argmax(_ logits: [Float], allowed: [Bool]) -> Int {
        var best = -1
        var bestValue = -Float.infinity
        for i in 0..<allowed.count where allowed[i] && (best < 0 || logits[i] > bestValue) {
            best = i
            bestValue = logits[i]
        }
        return best
    }

    private mutating func sample(_ logits: [Float], allowed: [Bool], using generator: inout SeededRandomGenerator) -> Int {
        let width = allowed.count
        if scratch.count < width { scratch = [Float](repeating: 0, count: width) }
        let temperature = options.temperature > 0 ? options.temperature : 1
        for i in 0..<width { scratch[i] = allowed[i] ? logits[i] / temperature : -Float.infinity }
        if let k = options.topK, k > 0, k < width {
            // transformers' TopKLogitsWarper: drop scores below the k-th largest (ties kept).
            let kth = scratch[0..<width].sorted(by: >)[k - 1]
            for i in 0..<width where scratch[i] < kth { scratch[i] = -Float.infinity }
        }
        if let p = options.topP, p < 1 {
            applyTopP(p, width: width)
        }
        var maximum = -Float.infinity
        for i in 0..<width where scratch[i] > maximum { maximum = scratch[i] }
        var total = 0.0
        for i in 0..<width where scratch[i] > -Float.infinity { total += exp(Double(scratch[i] - maximum)) }
        var target = generator.nextUnitInterval() * total
        var last = -1
        for i in 0..<width where scratch[i] > -Float.infinity {
            last = i
            target -= exp(Double(scratch[i] - maximum))
            if target < 0 { return i }
        }
        return last
    }

    /// transformers' TopPLogitsWarper: sort ascending, remove tokens whose cumulative probability
    /// is ≤ 1 − p, always keeping the most likely token.
    private mutating func applyTopP(_ p: Float, width: Int) {
        if order.count != width { order = Array(0..<width) }
        for i in 0..<width { order[i] = i }
        let values = scratch
        order.sort { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var maximum = -Float.infinity
        for i in 0..<width where values[i] > maximum { maximum = values[i] }
        var total = 0.0
        for i in 0..<width where values[i] > -Float.infinity { total += exp(Double(values[i] - maximum)) }
        var cumulative = 0.0
        for (rank, index) in order.enumerated() {
            if values[index] > -Float.infinity { cumulative += exp(Double(values[index] - maximum)) / total }
            if rank < width - 1 && cumulative <= Double(1 - p) { scratch[index] = -Float.infinity }
        }
    }
}
