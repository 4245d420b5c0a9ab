import Bark

extension EngineConfiguration {
    /// The fine stage's streaming mode the engine runs: `live.fineMode` in `GenerationMode.live`,
    /// else `fineMode`.
    public var effectiveFineMode: FineStreamingMode { mode == .live ? live.fineMode : fineMode }

    /// The coarse stage's live shortcut, or nil in `GenerationMode.exact`.
    public var coarseLive: LiveCoarseSettings? { mode == .live ? live.coarse : nil }

    /// Codebooks the chunked fine stage predicts (live mode's `fineCodebooks`), or nil for all.
    public var effectiveFineCodebooks: Int? { mode == .live ? live.fineCodebooks : nil }

    /// The first chunked fine window's frames (live mode's fast start), or nil for `fineMode`'s chunk.
    public var effectiveFineFirstChunk: Int? { mode == .live ? live.fineFirstChunk : nil }
}
