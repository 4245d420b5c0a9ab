/// One category of a guard policy: its name, its action, and what it matches.
public struct GuardCategory: Sendable, Equatable {
    /// The name reported in verdicts, logs and HTTP replies ("weapons").
    public var name: String
    /// What happens to text that matches.
    public var action: GuardAction
    /// Free text for people reading the policy; never used for matching.
    public var description: String?
    /// Terms (words or phrases) per language code ("en", "de"…). A term ending in `*` also
    /// matches longer words that begin with it ("bomb*" matches "bombs"); otherwise whole words only.
    public var terms: [String: [String]]
    /// Regular expressions (ICU syntax) per language code, matched against the folded text (see
    /// `FoldedText.patternText`).
    public var patterns: [String: [String]]

    public init(name: String, action: GuardAction, description: String? = nil,
                terms: [String: [String]] = [:], patterns: [String: [String]] = [:]) {
        self.name = name
        self.action = action
        self.description = description
        self.terms = terms
        self.patterns = patterns
    }
}
