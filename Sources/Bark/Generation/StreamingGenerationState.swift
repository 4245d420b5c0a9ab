/// Where a streaming generation stands, as `StreamingBarkGenerator.run` tells its `observe`
/// callback before each scheduling decision (on the generation thread).
public struct StreamingGenerationState: Sendable, Equatable {
    /// Semantic tokens generated so far (49.9 per second of audio for Bark).
    public var semanticTokens: Int
    /// The semantic stage has stopped (EOS or its token limit): `semanticTokens` is the total.
    public var semanticFinished: Bool
    /// The most semantic tokens the stage may still reach (its `max_new_tokens` bound).
    public var semanticLimit: Int
    /// Coarse frames (75 per second) generated so far.
    public var coarseFrames: Int
    /// Final fine frames handed to `emit` so far.
    public var emittedFrames: Int
    /// The run's `timings` as they stand: what the caller passed in plus this run's stages so far
    /// (the gapless gate predicts the work still to come from them).
    public var timings: GenerationTimings

    public init(semanticTokens: Int, semanticFinished: Bool, semanticLimit: Int, coarseFrames: Int, emittedFrames: Int,
                timings: GenerationTimings = GenerationTimings()) {
        self.semanticTokens = semanticTokens
        self.semanticFinished = semanticFinished
        self.semanticLimit = semanticLimit
        self.coarseFrames = coarseFrames
        self.emittedFrames = emittedFrames
        self.timings = timings
    }
}

/// What the `observe` callback of `StreamingBarkGenerator.run` wants done with the semantic
/// stage's conditioning before the next step.
public enum ConditioningUpdate {
    /// Keep what the stage has.
    case keep
    /// Use this conditioning (nil: plain Bark) from the next semantic step on; positions already
    /// in the cache keep what they were computed with.
    case replace((any LayerConditioning)?)
}
