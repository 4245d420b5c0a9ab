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
/// - `fineFirstChunk` (opt-in, nil by default; set by `fastStart()`): the first fine window
///   finalizes only that many frames, later ones 1.5 times as many as the one before up to
///   `fineChunk` (`FineChunkedStream`).
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
    /// Frames the first fine window finalizes (later windows grow by half up to `fineChunk`); nil: `fineChunk`.
    public var fineFirstChunk: Int?

    /// Defaults: coarse history 270 tokens; fine 64-frame chunks (0.85 s) with 16 frames of
    /// lookahead and 48 of context.
    public init(coarse: LiveCoarseSettings = LiveCoarseSettings(), fineChunk: Int = 64, fineLookahead: Int = 16, fineContext: Int = 48,
                fineCodebooks: Int? = nil, fineFirstChunk: Int? = nil) {
        self.coarse = coarse
        self.fineChunk = fineChunk
        self.fineLookahead = fineLookahead
        self.fineContext = fineContext
        self.fineCodebooks = fineCodebooks
        self.fineFirstChunk = fineFirstChunk
    }

    public static let standard = LiveGenerationSettings()

    /// Whether `fastStart()` has been applied (all three of its settings are on).
    public var isFastStart: Bool { coarse.liveFirstWindow && coarse.paceSemantic && fineFirstChunk != nil }

    /// The fast-start shortcut (`--fast-start`): the first coarse window placed like a live
    /// re-prefill, the semantic stage paced ahead of the coarse stage (`LiveCoarseSettings`), and a
    /// first fine window that needs only one coarse window of frames: `windowLength / codebooks −
    /// fineLookahead` frames (14 with Bark's 60-token windows and the default lookahead of 16; at
    /// least 1). The first audio then waits for 167 semantic tokens, a 527-token prefill and one
    /// coarse window instead of three windows, two of them prefilled.
    public mutating func fastStart(configuration c: BarkGenerationConfiguration) {
        coarse.liveFirstWindow = true
        coarse.paceSemantic = true
        fineFirstChunk = max(1, min(fineChunk, c.coarse.windowLength / c.coarse.codebooks - fineLookahead))
    }

    /// The fine stage's streaming mode these settings describe.
    public var fineMode: FineStreamingMode { .chunked(chunk: fineChunk, lookahead: fineLookahead, context: fineContext) }

    /// Model passes per fine frame, `(context + chunk + lookahead) / chunk`.
    public var fineRecomputation: Double { Double(fineContext + fineChunk + fineLookahead) / Double(fineChunk) }

    /// The settings as flat key → value pairs (for JSON reports): `coarse_history`,
    /// `coarse_minimum_lookahead` (semantic tokens; -1 when derived from the configuration),
    /// `fine_chunk`, `fine_lookahead`, `fine_context` (frames), `fine_codebooks` (-1: all),
    /// `fine_first_chunk` (-1: `fine_chunk`), `coarse_live_first_window` and `semantic_paced` (0/1).
    public var reportFields: [String: Int] {
        ["coarse_history": coarse.history, "coarse_minimum_lookahead": coarse.minimumLookahead ?? -1,
         "fine_chunk": fineChunk, "fine_lookahead": fineLookahead, "fine_context": fineContext,
         "fine_codebooks": fineCodebooks ?? -1, "fine_first_chunk": fineFirstChunk ?? -1,
         "coarse_live_first_window": coarse.liveFirstWindow ? 1 : 0, "semantic_paced": coarse.paceSemantic ? 1 : 0]
    }
}
