/// The shortcuts `GenerationMode.live` takes, each named and measured against exact mode by
/// `omnibark quality --mode live`.
///
/// - `coarse`: the coarse KV cache continued across windows (`LiveCoarseSettings`).
/// - `fine`: fine windows of `fineContext` already-final frames + `fineChunk` new frames +
///   `fineLookahead` frames predicted and redone next time (`FineStreamingMode.chunked`). Each
///   frame passes through the model `(fineContext + fineChunk + fineLookahead) / fineChunk` times:
///   2 with the defaults, the same as Bark's offline windows (1024 frames, hop 512), against 10
///   for `FineStreamingMode.lowLatency` (32 + 32 + 256 context).
/// - `fineCodebooks` (opt-in, nil by default): predict and decode only the first N codebooks
///   (`FineChunkedStream`), e.g. 4 of Bark's 8: a third of the fine stage's passes, EnCodec at
///   3 kbit/s instead of 6.
public struct LiveGenerationSettings: Sendable, Equatable, Codable {
    public var coarse: LiveCoarseSettings
    /// New frames finalized per fine window (75 per second of audio).
    public var fineChunk: Int
    /// Frames after the chunk, predicted for context and discarded.
    public var fineLookahead: Int
    /// Already-final frames before the chunk, read but not rewritten.
    public var fineContext: Int
    /// Codebooks the fine stage predicts and the codec decodes (`coarse.codebooks … fine.codebooks`);
    /// nil: all of them.
    public var fineCodebooks: Int?

    /// Defaults: coarse history 270 tokens; fine 64-frame chunks (0.85 s) with 16 frames of
    /// lookahead and 48 of context.
    public init(coarse: LiveCoarseSettings = LiveCoarseSettings(), fineChunk: Int = 64, fineLookahead: Int = 16, fineContext: Int = 48,
                fineCodebooks: Int? = nil) {
        self.coarse = coarse
        self.fineChunk = fineChunk
        self.fineLookahead = fineLookahead
        self.fineContext = fineContext
        self.fineCodebooks = fineCodebooks
    }

    public static let standard = LiveGenerationSettings()

    /// The fine stage's streaming mode these settings describe.
    public var fineMode: FineStreamingMode { .chunked(chunk: fineChunk, lookahead: fineLookahead, context: fineContext) }

    /// Model passes per fine frame, `(context + chunk + lookahead) / chunk`.
    public var fineRecomputation: Double { Double(fineContext + fineChunk + fineLookahead) / Double(fineChunk) }

    /// The settings as flat key → value pairs (for JSON reports): `coarse_history`,
    /// `coarse_minimum_lookahead` (semantic tokens; -1 when derived from the configuration),
    /// `fine_chunk`, `fine_lookahead`, `fine_context` (frames), `fine_codebooks` (-1: all).
    public var reportFields: [String: Int] {
        ["coarse_history": coarse.history, "coarse_minimum_lookahead": coarse.minimumLookahead ?? -1,
         "fine_chunk": fineChunk, "fine_lookahead": fineLookahead, "fine_context": fineContext,
         "fine_codebooks": fineCodebooks ?? -1]
    }
}
