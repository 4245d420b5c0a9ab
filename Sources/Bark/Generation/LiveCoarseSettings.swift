/// The coarse stage's live shortcut: continue the KV cache across windows instead of re-reading
/// the whole window every `windowLength` tokens.
///
/// Positions: Bark's coarse model has learned absolute positions `0 ..< blockSize` (1024), and a
/// cached key depends on its position through every layer, so cached positions cannot be shifted.
/// A live window therefore keeps Bark's layout — `[semantic context (maxInputLength = 256),
/// infer token, coarse history, new tokens]`, new tokens at positions 257 + history … — and simply
/// keeps decoding into the same cache, window after window, until either
/// - the next window would pass the block size, or
/// - the semantic context prefilled at the window's start would be less than `minimumLookahead`
///   semantic tokens ahead of the coarse position at the window's end (the least lookahead an
///   exact window ever has);
/// then it re-prefills a fresh window (the only "rolling": a new context, positions from 0 again).
///
/// A re-prefilled window holds `history` coarse tokens (exact: `maxHistory` = 630) and the
/// semantic context aligned with that history's start, so a shorter history leaves more semantic
/// lookahead and more windows before the next re-prefill. The first window of a generation is
/// placed exactly as in exact mode (same first tokens, same wait for semantic tokens); later
/// re-prefills wait until the semantic stage is far enough ahead (or finished) for the live
/// placement.
///
/// With Bark's constants and `history` 270: a re-prefill reads 527 tokens and is followed by up to
/// 7 windows of 60 tokens (positions up to 947, as in exact mode), instead of 887 tokens read
/// before every window.
///
/// Fast start (opt-in, `LiveGenerationSettings.fastStart`): `liveFirstWindow` places the first
/// window like a re-prefill (527 tokens read instead of 887, continued for 7 windows instead of
/// re-prefilled after one), and `paceSemantic` has the streaming scheduler keep the semantic stage,
/// from the second window on, as far ahead as a re-prefill one window later would need (167 + 20
/// tokens with the defaults; the first window waits only for its own 167):
/// the semantic work before each re-prefill is spread over the windows before it instead of
/// coming as a burst of ~140 steps while the listener waits. Its cost: the semantic stage runs
/// further ahead of the audio, so a control event that changes the semantic conditioning reaches
/// the audio later.
public struct LiveCoarseSettings: Sendable, Equatable, Codable {
    /// Coarse tokens of history in a re-prefilled window (even, ≤ the configuration's `maxHistory`).
    public var history: Int
    /// Semantic tokens the cached context must still hold beyond the coarse position at the end of
    /// a continued window; nil: the least an exact window has (`minimumExactLookahead`).
    public var minimumLookahead: Int?
    /// The first window placed like a live re-prefill (`history` tokens of voice history) instead
    /// of exactly as in exact mode.
    public var liveFirstWindow: Bool
    /// Streaming: run semantic steps between coarse windows, after the first, until the semantic
    /// stage is as far ahead as a re-prefill one window later would need (`StreamingBarkGenerator`,
    /// `CoarseStream.semanticPacingTarget()`).
    public var paceSemantic: Bool

    public init(history: Int = 270, minimumLookahead: Int? = nil, liveFirstWindow: Bool = false, paceSemantic: Bool = false) {
        self.history = history
        self.minimumLookahead = minimumLookahead
        self.liveFirstWindow = liveFirstWindow
        self.paceSemantic = paceSemantic
    }

    /// The semantic lookahead an exact window has left at its end: `maxInputLength −
    /// ⌊maxHistory / ratio⌋ − round(windowLength / ratio)` (27 with Bark's constants).
    public static func minimumExactLookahead(_ c: BarkGenerationConfiguration) -> Int {
        let ratio = c.semanticToCoarseRatio
        return c.coarse.maxInputLength - Int((Double(c.coarse.maxHistory) / ratio).rounded(.down))
            - PythonArithmetic.round(Double(c.coarse.windowLength) / ratio)
    }
}
