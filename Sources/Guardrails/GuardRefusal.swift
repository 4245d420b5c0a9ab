/// Text refused by the policy. Its description names where the text came from, the category and
/// the position, never the text itself; the CLI exits with status 3 on it, HTTP answers 422.
public struct GuardRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the text came from ("the text", "--style", "control event 2 payload", "line 4").
    public var field: String
    /// The refusing category's name.
    public var category: String
    /// Where the match lies in that text.
    public var span: TextSpan

    public init(field: String, category: String, span: TextSpan) {
        self.field = field
        self.category = category
        self.span = span
    }

    public var description: String {
        "refused by the content policy: \(field) matches category \"\(category)\" at byte \(span.byteOffset) "
            + "(character \(span.characterOffset)); nothing was generated"
    }
}
