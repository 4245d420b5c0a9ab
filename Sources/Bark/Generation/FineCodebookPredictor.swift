import Tensors

/// Predicts the fine stage's codebooks `coarse.codebooks ..< codebooks` for a range of positions in a
/// window, one codebook after another (later codebooks see earlier writes), as transformers'
/// `BarkFineModel.generate` does: argmax over the `codebookSize` code logits at temperature nil or
/// 1.0, sampling at that temperature otherwise. Shared by the offline and chunked fine stages.
///
/// Thread safety: a value type with scratch buffers; one per generation.
struct FineCodebookPredictor: Sendable {
    let model: BarkFineModel
    let configuration: BarkGenerationConfiguration
    private var workspace = TransformerWorkspace()
    private var sampler: TokenSampler
    private let allowed: [Bool]
    private let greedy: Bool

    init(model: BarkFineModel, configuration c: BarkGenerationConfiguration) {
        self.model = model
        configuration = c
        sampler = TokenSampler(options: SamplingOptions(doSample: true, temperature: c.fine.temperature ?? 1))
        allowed = [Bool](repeating: true, count: c.codebookSize)
        greedy = c.fine.temperature == nil || c.fine.temperature == 1
    }

    /// Fills codebooks `coarse.codebooks ..< through` (default: all `codebooks`) of `window`
    /// (position-major `[position][codebook]`) at `positions`, calling `afterCodebook` after each
    /// codebook pass. Codebook k reads only codebooks `0 … k`, so stopping early leaves the
    /// predicted ones as a full pass makes them (exactly so with argmax; sampling draws fewer
    /// random numbers, so later calls draw different ones).
    mutating func predict(_ window: inout [Int], positions: Range<Int>, through: Int? = nil, generator: inout SeededRandomGenerator,
                          afterCodebook: () -> Void = {}) throws {
        let c = configuration
        let nFine = c.fine.codebooks, size = c.codebookSize
        let length = window.count / nFine
        for k in c.coarse.codebooks..<min(nFine, through ?? nFine) {
            try model.forward(codes: window, positions: length, codebook: k, workspace: &workspace)
            let width = workspace.logitWidth
            for position in positions {
                let row = Array(workspace.logits[(position * width)..<(position * width + size)])
                window[position * nFine + k] = greedy
                    ? sampler.argmax(row, allowed: allowed)
                    : sampler.choose(logits: row, allowed: allowed, using: &generator)
            }
            afterCodebook()
        }
    }
}
