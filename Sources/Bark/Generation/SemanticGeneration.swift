import Tensors

/// Text → semantic tokens, as transformers' `BarkSemanticModel.generate` (Suno's
/// `generate_text_semantic`).
///
/// - Text ids (tokenizer ids) are truncated to `maxInputLength`, offset by `textEncodingOffset` and
///   right-padded with `textPadToken` (what the processor's attention mask does in transformers).
/// - History: the last `maxInputLength` tokens of the voice's semantic prompt, right-padded with the
///   EOS/pad token (all pad without a voice).
/// - Prefill: row i = E[text_i] + E[history_i] for i < maxInputLength, then E[inferToken]; one forward
///   pass fills the KV cache; then one token per step.
/// - Each step allows semantic ids `[0, vocabularySize)` and EOS; everything else (10001–10047 for
///   Bark) is suppressed. With `minEOSProbability`, EOS is forced once its probability exceeds it.
/// - Stops after EOS (which is kept in the output, as transformers does) or `maxNewTokens`.
/// - With a conditioning that asks for a rate clock or for holds (OmniBark adapters of format 6), unit k
///   takes the position embedding `SemanticRateClock.position(ofUnit: k)` instead of the prefill
///   length + k.
///
/// `SemanticStream` produces the tokens one `step()` at a time, so a streaming pipeline can run
/// other stages in between; `generate` runs it to the end.
public enum SemanticGeneration {
    public static func generate(
        model: BarkCausalModel, textTokens: [Int], history: [Int]?,
        configuration: BarkGenerationConfiguration, generator: inout SeededRandomGenerator,
        progress: GenerationProgressHandler? = nil, conditioning: (any LayerConditioning)? = nil
    ) throws -> [Int] {
        var stream = SemanticStream(model: model, textTokens: textTokens, history: history,
                                    configuration: configuration, generator: generator, conditioning: conditioning)
        while try stream.step() != nil {
            progress?(GenerationProgress(stage: .semantic, completed: stream.tokens.count, total: stream.maxTokens))
        }
        generator = stream.generator
        return stream.tokens
    }
}

/// The semantic stage as a resumable state machine (one token per `step()`).
///
/// Thread safety: a value type; one generation thread drives it.
public struct SemanticStream: Sendable {
    public let model: BarkCausalModel
    public let configuration: BarkGenerationConfiguration
    /// Tokens so far (ending with EOS when the stage stopped on it).
    public private(set) var tokens: [Int] = []
    public private(set) var isFinished = false
    /// The most tokens this stage can produce (`max_new_tokens`, bounded by the block size).
    public let maxTokens: Int
    public private(set) var generator: SeededRandomGenerator
    /// The positions the units take, set by the conditioning after the prefill (holds also by a
    /// replaced conditioning); nil: Bark's clock.
    public private(set) var rateClock: SemanticRateClock?
    /// The holds the conditionings asked for so far, as they asked (before any clamping to the units
    /// already fed), so a replaced conditioning adds only the ones it brings.
    private var askedHolds: [SemanticRateClock.Hold] = []

    private let textTokens: [Int]
    private let history: [Int]?
    private let allowed: [Bool]
    private var sampler: TokenSampler
    private var cache: KVCache
    private var prefilled = false
    private var workspace = TransformerWorkspace()
    /// Applied after every decoder block in the prefill and each step (OmniBark's fusion); nil:
    /// plain Bark.
    private var conditioning: (any LayerConditioning)?

    public init(model: BarkCausalModel, textTokens: [Int], history: [Int]?,
                configuration: BarkGenerationConfiguration, generator: SeededRandomGenerator,
                conditioning: (any LayerConditioning)? = nil) {
        let c = configuration.semantic
        self.conditioning = conditioning
        self.model = model
        self.configuration = configuration
        self.textTokens = textTokens
        self.history = history
        self.generator = generator
        // The last step needs no forward pass, so block_size − (length + 1) + 1 tokens fit.
        maxTokens = max(0, min(c.maxNewTokens, model.configuration.blockSize - c.maxInputLength))
        // Suppressed: [vocabularySize, eos) and (eos, vocabulary).
        allowed = (0..<model.configuration.outputVocabularySize).map { $0 < c.vocabularySize || $0 == c.eosToken }
        sampler = TokenSampler(options: c.sampling)
        cache = model.makeCache()
        if maxTokens == 0 { isFinished = true }
    }

    /// Replaces the conditioning for the steps still to come (a live control event, a new
    /// reference voice): positions already in the cache keep what they were computed with, and the
    /// rate clock keeps the stride the prefill set. Holds the new conditioning asks for that no
    /// earlier one did are added, starting no earlier than the next unit fed (a control event that
    /// arrives late stops the clock from now on); holds already added stay.
    public mutating func replaceConditioning(_ conditioning: (any LayerConditioning)?) {
        self.conditioning = conditioning
        guard prefilled, let conditioning else { return }
        var unmatched = askedHolds
        var added: [SemanticRateClock.Hold] = []
        for hold in conditioning.rateClockHolds(unitsPerSecond: configuration.semantic.rateHz) {
            if let i = unmatched.firstIndex(of: hold) { unmatched.remove(at: i) } else { added.append(hold) }
        }
        guard !added.isEmpty else { return }
        askedHolds += added
        var clock = rateClock ?? bareClock(stride: 1, holds: [])
        clock.addHolds(added, startingNoEarlierThan: max(0, tokens.count - 1))
        rateClock = clock
    }

    /// A clock for this model and prefill.
    private func bareClock(stride: Double, holds: [SemanticRateClock.Hold]) -> SemanticRateClock {
        SemanticRateClock(stride: stride, firstUnitPosition: configuration.semantic.maxInputLength + 1,
                          lastPosition: model.configuration.blockSize - 1, holds: holds)
    }

    /// Produces the next token, or nil once finished (after EOS or `maxTokens`).
    public mutating func step() throws -> Int? {
        guard !isFinished else { return nil }
        let c = configuration.semantic
        if !prefilled {
            try prefill()
        } else if let last = tokens.last {
            let position = rateClock?.position(ofUnit: tokens.count - 1)
            conditioning?.willPredict(unit: tokens.count, unitsPerSecond: c.rateHz)
            if conditioning == nil && position == nil {
                try model.forward(tokens: [last], cache: &cache, workspace: &workspace, lastPositionOnly: true)
            } else {
                try model.forward(tokens: [last], cache: &cache, workspace: &workspace, lastPositionOnly: true,
                                  position: position, conditioning: &conditioning)
            }
        }
        let token = sampler.choose(logits: workspace.logits, allowed: allowed, eos: c.eosToken,
                                   minEOSProbability: c.minEOSProbability, using: &generator)
        tokens.append(token)
        if token == c.eosToken || tokens.count == maxTokens { isFinished = true }
        return token
    }

    private mutating func prefill() throws {
        let c = configuration.semantic
        let length = c.maxInputLength
        var text = textTokens.prefix(length).map { $0 + c.textEncodingOffset }
        text += [Int](repeating: c.textPadToken, count: length - text.count)
        var past = Array((history ?? []).suffix(length))
        past += [Int](repeating: c.eosToken, count: length - past.count)
        let hidden = model.configuration.hiddenSize
        var rows = try model.embed(text).scalars
        Elementwise.add(try model.embed(past).scalars, to: &rows, count: length * hidden)
        rows += try model.embed([c.inferToken]).scalars
        if conditioning == nil {
            try model.forward(embeddings: Tensor(shape: [length + 1, hidden], scalars: rows),
                              cache: &cache, workspace: &workspace, lastPositionOnly: true)
        } else {
            conditioning?.willPredict(unit: 0, unitsPerSecond: c.rateHz)
            try model.forward(embeddings: Tensor(shape: [length + 1, hidden], scalars: rows),
                              cache: &cache, workspace: &workspace, lastPositionOnly: true, conditioning: &conditioning)
            let stride = conditioning?.rateClockStride(inferTokenState: workspace.finalState(row: 0, hiddenSize: hidden))
            askedHolds = conditioning?.rateClockHolds(unitsPerSecond: c.rateHz) ?? []
            if stride != nil || !askedHolds.isEmpty {
                rateClock = bareClock(stride: stride ?? 1, holds: askedHolds)
            }
        }
        prefilled = true
    }
}
