/// One letter position of folded text: the letters (after every folding step, confusable
/// skeletons included) it may stand for. A plain letter stands for one; "1" stands for "i" or "l".
struct FoldedLetter: Sendable, Equatable {
    /// The possible letters; the first is the primary reading.
    var candidates: [Unicode.Scalar]
    /// True for a digit or symbol read as a letter ("1", "$"): such a position may also be
    /// punctuation, so a word may begin or end without it ("kill!" is still "kill").
    var isSubstitute: Bool

    /// Whether this position may stand for `letter`.
    func matches(_ letter: Unicode.Scalar) -> Bool { candidates.contains(letter) }
}
