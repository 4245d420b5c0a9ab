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
public enum SemanticGeneration {
    public static func generate(
        model: BarkCausalModel, textTokens: [Int], history: [Int]?,
        configuration: BarkGenerationConfiguration, generator: inout SeededRandomGenerator,
        progress: GenerationProgressHandler? = nil
    ) throws -> [Int] {
        let c = configuration.semantic
        let length = c.maxInputLength
        var text = textTokens.prefix(length).map { $0 + c.textEncodingOffset }
        text += [Int](repeating: c.textPadToken, count: length - text.count)
        var past = Array((history ?? []).suffix(length))
        past += [Int](repeating: c.eosToken, count: length - past.count)

        let hidden = model.configuration.hiddenSize
        var prefill = try model.embed(text).scalars
        Elementwise.add(try model.embed(past).scalars, to: &prefill, count: length * hidden)
        prefill += try model.embed([c.inferToken]).scalars

        let vocabulary = model.configuration.outputVocabularySize
        // Suppressed: [vocabularySize, eos) and (eos, vocabulary).
        let allowed = (0..<vocabulary).map { $0 < c.vocabularySize || $0 == c.eosToken }
        // The last step needs no forward pass, so block_size − (length + 1) + 1 tokens fit.
        let maxTokens = min(c.maxNewTokens, model.configuration.blockSize - length)
        var sampler = TokenSampler(options: c.sampling)
        var cache = model.makeCache()
        var workspace = TransformerWorkspace()
        try model.forward(embeddings: Tensor(shape: [length + 1, hidden], scalars: prefill),
                          cache: &cache, workspace: &workspace, lastPositionOnly: true)
        var output: [Int] = []
        output.reserveCapacity(maxTokens)
        while output.count < maxTokens {
            let token = sampler.choose(logits: workspace.logits, allowed: allowed, eos: c.eosToken,
                                       minEOSProbability: c.minEOSProbability, using: &generator)
            output.append(token)
            progress?(GenerationProgress(stage: .semantic, completed: output.count, total: maxTokens))
            if token == c.eosToken || output.count == maxTokens { break }
            try model.forward(tokens: [token], cache: &cache, workspace: &workspace, lastPositionOnly: true)
        }
        return output
    }
}
