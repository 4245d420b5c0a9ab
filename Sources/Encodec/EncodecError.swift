/// Why an EnCodec call rejected its input. Weight and configuration problems are
/// `CheckpointError`s instead (they name the file and tensor or field).
public enum EncodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No codes or no frames were given.
    case emptyCodes
    /// `codes.count` codebooks were given; the model has `available` (1 ... available are accepted).
    case wrongCodebookCount(given: Int, available: Int)
    /// Codebook `codebook` has `frames` frames while codebook 0 has `expected`.
    case raggedCodes(codebook: Int, frames: Int, expected: Int)
    /// `codes[codebook][frame] == value`, outside `0 ..< codebookSize`.
    case codeOutOfRange(codebook: Int, frame: Int, value: Int, codebookSize: Int)
    /// No audio samples were given.
    case emptyAudio
    /// Audio sample `index` is NaN or infinite.
    case nonFiniteAudio(index: Int)
    /// A streaming chunk has `given` codebooks while the stream started with `expected`.
    case codebookCountChanged(given: Int, expected: Int)
    /// `decode` was called on a streaming decoder after `finish()`.
    case streamFinished
    /// `bandwidth` (kbit/s) is not one of the model's `target_bandwidths`.
    case unsupportedBandwidth(Double, supported: [Double])

    public var description: String {
        switch self {
        case .emptyCodes:
            return "EnCodec decode: no codes (need at least one codebook with at least one frame)"
        case let .wrongCodebookCount(given, available):
            return "EnCodec decode: \(given) codebooks given, the model has \(available) (pass 1...\(available))"
        case let .raggedCodes(codebook, frames, expected):
            return "EnCodec decode: codebook \(codebook) has \(frames) frames, codebook 0 has \(expected)"
        case let .codeOutOfRange(codebook, frame, value, codebookSize):
            return "EnCodec decode: code \(value) at codebook \(codebook), frame \(frame) is outside 0..<\(codebookSize)"
        case let .codebookCountChanged(given, expected):
            return "EnCodec streaming decode: chunk has \(given) codebooks, the stream started with \(expected)"
        case .streamFinished:
            return "EnCodec streaming decode: the stream was already finished"
        case .emptyAudio:
            return "EnCodec encode: empty audio"
        case let .nonFiniteAudio(index):
            return "EnCodec encode: audio sample \(index) is not finite"
        case let .unsupportedBandwidth(bandwidth, supported):
            return "EnCodec encode: bandwidth \(bandwidth) kbit/s is not supported; choose one of \(supported)"
        }
    }
}
