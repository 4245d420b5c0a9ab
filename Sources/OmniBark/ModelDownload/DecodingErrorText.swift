import Checkpoints
import Foundation

/// A `DecodingError` in one line ("[3].size: expected Int64"), instead of its
/// `typeMismatch(Swift.Int64, Swift.DecodingError.Context(codingPath: …))` dump.
enum DecodingErrorText {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return ErrorMessage.reason(error) }
        switch error {
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return "\(path(context)): expected \(type)"
        case let .keyNotFound(key, context):
            return "\(path(context)): missing key '\(key.stringValue)'"
        case let .dataCorrupted(context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "not the expected JSON"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        guard !context.codingPath.isEmpty else { return "top level" }
        return context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
