import Tensors

/// The fine stage in `FineStreamingMode.chunked` form: finalizes fine frames in chunks as coarse
/// frames arrive.
///
/// Each window holds up to `context` already-final frames (voice history first, then output),
/// the new frames to finalize, and `lookahead` frames whose predictions are discarded; codebooks
/// `coarse.codebooks ..< codebooks` are predicted one after another as in the offline stage
/// (argmax at temperature nil/1.0, sampling otherwise).
///
/// With `codebooks` below the model's `fine.codebooks`, only codebooks `0 ..< codebooks` are
/// predicted and returned (`LiveGenerationSettings.fineCodebooks`): each codebook reads only the
/// ones before it, so with argmax decoding they equal the first rows of a full run (when sampling,
/// the same distributions but later windows draw other random numbers); EnCodec decodes the fewer
/// rows at a lower bit rate (4 codebooks: 3 kbit/s instead of 6).
///
/// With `firstChunk` (fast start), the first window finalizes only that many frames and each
/// later one 1.5 times as many as the one before (rounded up), up to `chunk`: the first audio
/// needs `firstChunk + lookahead` coarse frames instead of `chunk + lookahead`, and each following
/// window asks for few enough new frames to be ready, at live mode's speed, about when the audio
/// before it has played (doubling measured more stalls: bark-small shapes, 2 threads).
///
/// Settings larger than the model's fine window (`max_fine_input_length`) are shrunk to fit:
/// context first, then lookahead, then chunk.
///
/// Thread safety: a value type; one generation thread drives it.
public struct FineChunkedStream: Sendable {
    public let model: BarkFineModel
    public let configuration: BarkGenerationConfiguration
    public let chunk: Int, lookahead: Int, context: Int
    /// Frames the next window finalizes: `firstChunk` (or `chunk`) at first, growing by half up to `chunk`.
    public private(set) var nextChunk: Int
    /// Codebooks predicted and returned per frame (`coarse.codebooks … fine.codebooks`).
    public let codebooks: Int
    /// Final frames so far, position-major `[frame][codebook]`, all `fine.codebooks` wide; codebooks
    /// from `codebooks` on hold `codebookSize` (the fine stage's padding id) and are never read.
    public private(set) var frames: [[Int]] = []
    public private(set) var generator: SeededRandomGenerator

    private let history: [[Int]]  // [frame][codebook]
    private var predictor: FineCodebookPredictor

    public init(model: BarkFineModel, history: [[Int]]?, configuration: BarkGenerationConfiguration,
                chunk: Int, lookahead: Int, context: Int, firstChunk: Int? = nil, codebooks: Int? = nil,
                generator: SeededRandomGenerator) throws {
        let c = configuration
        guard model.configuration.codebooksTotal == c.fine.codebooks else {
            throw BarkError.invalidInput(stage: .fine, reason: "the fine model has \(model.configuration.codebooksTotal) codebooks, the generation config n_fine_codebooks is \(c.fine.codebooks)")
        }
        guard chunk > 0, lookahead >= 0, context >= 0, (firstChunk ?? 1) > 0 else {
            throw BarkError.invalidInput(stage: .fine, reason: "chunked fine windows need chunk > 0, first chunk > 0, lookahead ≥ 0 and context ≥ 0")
        }
        let codebooks = codebooks ?? c.fine.codebooks
        guard (c.coarse.codebooks...c.fine.codebooks).contains(codebooks) else {
            throw BarkError.invalidInput(stage: .fine, reason: "fine codebooks must be \(c.coarse.codebooks)…\(c.fine.codebooks) (the coarse stage's \(c.coarse.codebooks) up to the model's \(c.fine.codebooks)), got \(codebooks)")
        }
        // A window must fit the model: shrink the context first, then the lookahead, then the chunk.
        let capacity = min(c.fine.maxInputLength, model.configuration.blockSize)
        let chunk = min(chunk, capacity)
        let lookahead = min(lookahead, capacity - chunk)
        let context = min(context, capacity - chunk - lookahead)
        if let history, history.count != c.fine.codebooks || Set(history.map(\.count)).count > 1 {
            throw BarkError.invalidInput(stage: .fine, reason: "the voice's fine prompt must have \(c.fine.codebooks) rows of equal length")
        }
        self.model = model
        self.configuration = c
        self.chunk = chunk
        self.lookahead = lookahead
        self.context = context
        nextChunk = min(firstChunk ?? chunk, chunk)
        self.codebooks = codebooks
        self.generator = generator
        let rows = history ?? []
        let count = rows.first?.count ?? 0
        self.history = (max(0, count - context)..<count).map { t in rows.map { $0[t] } }
        predictor = FineCodebookPredictor(model: model, configuration: c)
    }

    /// Whether a window can run: enough coarse frames for a chunk and its lookahead, or the coarse
    /// stage has finished with frames left.
    public func canRun(coarseTokens: Int, coarseFinished: Bool) -> Bool {
        let available = coarseTokens / configuration.coarse.codebooks
        return coarseFinished ? available > frames.count : available >= frames.count + nextChunk + lookahead
    }

    /// Runs one window and returns the frames it finalized, as `codebooks` rows (`[codebook][frame]`).
    public mutating func run(coarse: [Int], coarseFinished: Bool) throws -> [[Int]] {
        guard canRun(coarseTokens: coarse.count, coarseFinished: coarseFinished) else { return [] }
        let c = configuration
        let nCoarse = c.coarse.codebooks, nFine = c.fine.codebooks, size = c.codebookSize
        let available = coarse.count / nCoarse
        let capacity = min(c.fine.maxInputLength, model.configuration.blockSize)
        let contextFrames = Array((history + frames).suffix(context))
        let newEnd = min(coarseFinished ? available : frames.count + nextChunk + lookahead,
                         frames.count + capacity - contextFrames.count)
        let finalEnd = coarseFinished ? newEnd : frames.count + nextChunk
        var window = contextFrames.flatMap { $0 }
        for t in frames.count..<newEnd {
            for k in 0..<nFine {
                window.append(k < nCoarse ? PythonArithmetic.modulo(coarse[t * nCoarse + k] - c.semantic.vocabularySize, size) : size)
            }
        }
        let firstNew = contextFrames.count
        try predictor.predict(&window, positions: firstNew..<(window.count / nFine), through: codebooks, generator: &generator)
        let finalized = (firstNew..<(firstNew + finalEnd - frames.count)).map { p in Array(window[(p * nFine)..<((p + 1) * nFine)]) }
        frames += finalized
        nextChunk = min(chunk, nextChunk + (nextChunk + 1) / 2)
        return (0..<codebooks).map { k in finalized.map { $0[k] } }
    }
}
