/// Progress of one generation stage, reported after every step (on the generating thread).
public struct GenerationProgress: Sendable, Equatable {
    public enum Stage: String, Sendable { case semantic, coarse, fine }
    public let stage: Stage
    /// Steps done: tokens for semantic and coarse, codebook passes for fine.
    public let completed: Int
    /// Upper bound of steps (semantic may end earlier on EOS).
    public let total: Int
}

/// Receives progress reports; called synchronously on the generating thread.
public typealias GenerationProgressHandler = @Sendable (GenerationProgress) -> Void
