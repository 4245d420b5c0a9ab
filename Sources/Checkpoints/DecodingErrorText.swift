import Foundation

/// A `DecodingError` in one line ("[3].size: expected Int64"), instead of its
/// `typeMismatch(Swift.Int64, Swift.DecodingError.Context(codingPath: …))` dump; a JSON syntax error
/// as the parser words it ("Invalid value around character 9."), never an NSError dump.
public enum DecodingErrorText {
    /// The one-line text for an error thrown by `JSONDecoder` (other errors: `ErrorMessage.reason`).
    /// With the decoded `document`, a syntax error names where the parser stopped: `JSONDecoder`
    /// on Linux says only "The given data was not valid JSON.", so the document is parsed again by
    /// `JSONSerialization`, whose error gives the character offset.
    public static func describe(_ error: any Error, document: Data? = nil) -> String {
        guard let error = error as? DecodingError else { return ErrorMessage.reason(error) }
        switch error {
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return "\(path(context)): expected \(type)"
        case let .keyNotFound(key, context):
            return "\(path(context)): missing key '\(key.stringValue)'"
        case let .dataCorrupted(context):
            if let words = context.underlyingError.flatMap(parserWords) { return words }
            if context.codingPath.isEmpty, let document, let words = reparsed(document) { return words }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "not the expected JSON"
        }
    }

    /// Why `JSONSerialization` (or `JSONDecoder`'s parser) rejected a document, in the parser's own
    /// words, which say where ("Invalid value around character 9."),
    /// rather than a Foundation domain and code; otherwise `ErrorMessage.reason`.
    public static func syntax(_ error: any Error) -> String {
        parserWords(error) ?? ErrorMessage.reason(error)
    }

    /// The parser's explanation, which Foundation keeps under `NSDebugDescription`, if any.
    private static func parserWords(_ error: any Error) -> String? {
        guard let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String, !text.isEmpty else { return nil }
        return text
    }

    /// Where `JSONSerialization` stops in `document`, in its words (nil when it parses).
    private static func reparsed(_ document: Data) -> String? {
        do { _ = try JSONSerialization.jsonObject(with: document, options: [.fragmentsAllowed]) } catch { return syntax(error) }
        return nil
    }

    private static func path(_ context: DecodingError.Context) -> String {
        guard !context.codingPath.isEmpty else { return "top level" }
        return context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
