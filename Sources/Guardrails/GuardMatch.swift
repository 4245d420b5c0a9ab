/// One place where text matched a policy category.
public struct GuardMatch: Sendable, Equatable, Hashable {
    /// The category's name.
    public var category: String
    /// The category's action.
    public var action: GuardAction
    /// The language of the term or pattern that matched.
    public var language: String
    /// Where in the text (the original text; normalization never moves positions).
    public var span: TextSpan

    public init(category: String, action: GuardAction, language: String, span: TextSpan) {
        self.category = category
        self.action = action
        self.language = language
        self.span = span
    }
}
