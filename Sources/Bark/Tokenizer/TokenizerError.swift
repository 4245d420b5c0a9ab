import Checkpoints
import Foundation

/// Why a tokenizer vocabulary or configuration could not be loaded.
///
/// Every case names the file (a path as given) and the line or JSON field at fault.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case missingFile(file: String)
    /// The file exists but could not be read.
    case unreadable(file: String, reason: String)
    /// A vocabulary line is not valid UTF-8 (`line` counts from 1).
    case invalidUTF8(file: String, line: Int)
    /// The vocabulary file holds no lines at all.
    case emptyVocabulary(file: String)
    /// The vocabulary lacks the unknown token (`[UNK]` for Bark), which WordPiece needs.
    case missingUnknownToken(file: String, token: String)
    /// `tokenizer_config.json` is not a JSON object, or `field` has the wrong type.
    case invalidConfiguration(file: String, field: String?, reason: String)

    public var description: String {
        switch self {
        case let .missingFile(file):
            return "\(file): no such file"
        case let .unreadable(file, reason):
            return "\(file): cannot be read: \(reason)"
        case let .invalidUTF8(file, line):
            return "\(file):\(line): vocabulary line is not valid UTF-8"
        case let .emptyVocabulary(file):
            return "\(file): vocabulary is empty (expected one token per line)"
        case let .missingUnknownToken(file, token):
            return "\(file): vocabulary has no line \"\(token)\" (the unknown token)"
        case let .invalidConfiguration(file, field?, reason):
            return "\(file): field \"\(field)\": \(reason)"
        case let .invalidConfiguration(file, nil, reason):
            return "\(file): \(reason)"
        }
    }
}

extension TokenizerError: LocalizedError {
    public var errorDescription: String? { description }
}

extension TokenizerError {
    /// Reads a tokenizer file, throwing `missingFile` or `unreadable` naming it.
    static func readFile(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else { throw TokenizerError.missingFile(file: url.path) }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
    }
}
