import Foundation

/// A policy term folded the way text is folded, in the forms the token streams need.
struct CompiledTerm: Sendable {
    /// Index of its category in the policy.
    var category: Int
    var language: String
    /// Its words as the natural (and merged) stream cuts them, by primary letter.
    var naturalWords: [[Unicode.Scalar]]
    /// Its words as the glued stream cuts them.
    var gluedWords: [[Unicode.Scalar]]
    /// All its letters in one word (for glued and spelled-out text).
    var compact: [Unicode.Scalar]
    /// Whether it ended in `*` (its last word may be the start of a longer word).
    var isPrefix: Bool

    /// Folds `term`; nil when nothing of it is a letter.
    init?(_ term: String, category: Int, language: String, folder: TextFolder) throws {
        var text = term.trimmingCharacters(in: .whitespaces)
        isPrefix = text.hasSuffix("*")
        if isPrefix { text.removeLast() }
        let folded = try folder.fold(text)
        func words(_ tokens: [Token]) -> [[Unicode.Scalar]] { tokens.map { $0.letters.map { $0.letter.candidates[0] } } }
        naturalWords = words(TokenStreams.natural(folded))
        gluedWords = words(TokenStreams.glued(folded))
        compact = naturalWords.flatMap { $0 }
        guard !compact.isEmpty else { return nil }
        self.category = category
        self.language = language
    }
}
