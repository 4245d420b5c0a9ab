/// A text folded for matching: each user-perceived character of the original with where it
/// lies (UTF-8 byte offset and character offset) and what it folds to.
struct FoldedText: Sendable {
    struct Unit: Sendable {
        /// Byte offset of the character in the UTF-8 original.
        var byteOffset: Int
        /// Its length in bytes.
        var byteLength: Int
        /// Its offset in characters (grapheme clusters).
        var characterOffset: Int
        var fold: CharacterFold
    }

    var units: [Unit]

    /// The span of the original from unit `first` through unit `last`.
    func span(from first: Int, through last: Int) -> TextSpan {
        let start = units[first], end = units[last]
        return TextSpan(byteOffset: start.byteOffset, byteLength: end.byteOffset + end.byteLength - start.byteOffset,
                        characterOffset: start.characterOffset, characterLength: end.characterOffset + 1 - start.characterOffset)
    }

    /// What patterns are matched against: each character folded (NFKC, case folding, invisible
    /// characters removed, diacritics folded; digits and symbols stay as they are, and there are
    /// no confusable skeletons), runs of whitespace as one space; with, for each UTF-16 offset of
    /// it, the unit it came from.
    var patternText: (text: String, units: [Int]) {
        var text = "", map: [Int] = []
        var lastWasSpace = true
        for (index, unit) in units.enumerated() {
            let piece: String
            if unit.fold.letters.isEmpty && (unit.fold.separator == .space || unit.fold.separator == .lineBreak) {
                if lastWasSpace { continue }
                piece = " "
            } else {
                piece = unit.fold.plain
            }
            if piece.isEmpty { continue }
            lastWasSpace = piece == " "
            text += piece
            map += Array(repeating: index, count: piece.utf16.count)
        }
        return (text, map)
    }
}
