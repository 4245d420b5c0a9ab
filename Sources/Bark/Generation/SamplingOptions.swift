/// How a causal stage chooses each token, as transformers' `GenerationConfig` fields
/// `do_sample`, `temperature`, `top_k`, `top_p`.
public struct SamplingOptions: Sendable, Equatable {
    /// False: argmax of the processed logits (greedy). True: sample from them.
    public var doSample: Bool
    /// Logits are divided by this before top-k/top-p and sampling (ignored when greedy).
    public var temperature: Float
    /// Keep only the `topK` highest logits (ties with the k-th are kept, as transformers does).
    public var topK: Int?
    /// Keep the smallest set of tokens whose probability mass reaches `topP`.
    public var topP: Float?

    public init(doSample: Bool = false, temperature: Float = 1, topK: Int? = nil, topP: Float? = nil) {
        self.doSample = doSample
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    /// Argmax everywhere.
    public static let greedy = SamplingOptions()
}
