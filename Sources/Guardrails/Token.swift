/// A word of folded text as one of the token streams sees it: its letter positions, each with the
/// character (unit) of the original it came from.
struct Token: Sendable {
    struct Letter: Sendable {
        var letter: FoldedLetter
        var unit: Int
    }

    var letters: [Letter]

    var firstUnit: Int { letters.first?.unit ?? 0 }
    var lastUnit: Int { letters.last?.unit ?? 0 }
    /// One character of the original ("k" in "k i l l"; "m", although it folds to "r", "n").
    var isSingleCharacter: Bool { firstUnit == lastUnit }
}
