/// What one user-perceived character (grapheme cluster) of the input folds to.
struct CharacterFold: Sendable, Equatable {
    /// How a character without letters separates words.
    enum Separator: Sendable, Equatable {
        /// Nothing: the character is invisible (a zero-width space, a bidi control) and joins its neighbours.
        case none
        /// Whitespace within a line.
        case space
        /// A line or paragraph break: spelled-out letters are not joined across it.
        case lineBreak
        /// Punctuation or a symbol.
        case punctuation
    }

    /// The letter positions (empty for a separator); several for "ﬁ" → "f", "i" or "m" → "r", "n".
    var letters: [FoldedLetter]
    /// How the character separates words when it has no letters.
    var separator: Separator
    /// The text that patterns see: folded, diacritics removed, substitutes read as their primary
    /// letter, but no confusable skeleton (see `FoldedText.patternText`).
    var plain: String
}
