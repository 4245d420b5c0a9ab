import Checkpoints

/// Errors from running a Bark stage on bad input.
public enum BarkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A token id outside the stage's input vocabulary (`position` indexes the input sequence;
    /// `codebook` is set for the fine stage).
    case tokenOutOfRange(stage: BarkStage, position: Int, codebook: Int?, token: Int, vocabularySize: Int)
    /// More positions than the stage's block size (or than its KV cache has left).
    case sequenceTooLong(stage: BarkStage, length: Int, limit: Int)
    /// An input of the wrong shape.
    case invalidInput(stage: BarkStage, reason: String)
    /// A fine-stage codebook index outside `codebooksGiven ..< codebooksTotal`.
    case invalidCodebook(index: Int, valid: Range<Int>)

    public var description: String {
        switch self {
        case let .tokenOutOfRange(stage, position, codebook, token, size):
            let where_ = codebook.map { "position \(position), codebook \($0)" } ?? "position \(position)"
            return "\(stage) stage: token \(token) at \(where_) is outside the input vocabulary 0..<\(size)"
        case let .sequenceTooLong(stage, length, limit):
            return "\(stage) stage: \(length) positions exceed the limit of \(limit)"
        case let .invalidInput(stage, reason):
            return "\(stage) stage: \(reason)"
        case let .invalidCodebook(index, valid):
            return "fine stage: codebook \(index) cannot be predicted; valid codebooks are \(valid.lowerBound)..<\(valid.upperBound)"
        }
    }
}
