/// Why a WAV file could not be read or written.
///
/// Every case names the file (a path as given); reading errors also give the byte offset where
/// the problem was found, so hostile or truncated files produce a message that says what is wrong.
public enum WAVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read at all.
    case unreadable(file: String, reason: String)
    /// The file could not be created, written or renamed into place.
    case unwritable(file: String, reason: String)
    /// The file ends before `item` does: `needed` bytes were required at `offset`, `available` remain.
    case truncated(file: String, item: String, offset: Int, needed: Int, available: Int)
    /// A structural problem (bad magic, missing or duplicate chunk, inconsistent fields).
    case malformed(file: String, offset: Int, reason: String)
    /// A valid WAV encoding this reader does not decode (A-law, ADPCM, 12-bit…).
    case unsupportedFormat(file: String, offset: Int, reason: String)
    /// A size or count exceeds a safety limit or the 32-bit RIFF size fields.
    case limitExceeded(file: String, offset: Int, item: String, value: Int, limit: Int)
    /// A writer argument is invalid (sample rate, channel count, sample count).
    case invalidArgument(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read WAV file: \(reason)"
        case let .unwritable(file, reason):
            return "\(file): cannot write WAV file: \(reason)"
        case let .truncated(file, item, offset, needed, available):
            return "\(file): WAV file truncated in \(item): needed \(needed) bytes at byte offset \(offset), only \(available) available"
        case let .malformed(file, offset, reason):
            return "\(file): malformed WAV file at byte offset \(offset): \(reason)"
        case let .unsupportedFormat(file, offset, reason):
            return "\(file): unsupported WAV encoding (fmt chunk at byte offset \(offset)): \(reason)"
        case let .limitExceeded(file, offset, item, value, limit):
            return "\(file): WAV \(item) at byte offset \(offset) is \(value), over the limit of \(limit)"
        case let .invalidArgument(file, reason):
            return "\(file): \(reason)"
        }
    }
}
