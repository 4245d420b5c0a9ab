/// Diacritic folding: a letter without its accents ("é" → "e", "ñ" → "n", "ö" → "o"), by
/// canonical decomposition and removal of the combining marks, plus the Latin letters whose
/// stroke or ligature is not a combining mark ("ø" → "o", "ł" → "l", "æ" → "ae", "ı" → "i").
enum DiacriticFolding {
    /// Letters that do not decompose, and what they fold to.
    static let table: [Unicode.Scalar: String] = [
        "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t", "ƀ": "b", "ɨ": "i",
        "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ĸ": "k",
    ]

    /// Whether `scalar` is a combining mark (nonspacing or enclosing).
    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        let category = scalar.properties.generalCategory
        return category == .nonspacingMark || category == .enclosingMark
    }

    /// `decomposed` (NFD text) without combining marks, with `table` applied.
    static func folded(decomposed: String) -> String {
        var result = ""
        for scalar in decomposed.unicodeScalars where !isMark(scalar) {
            if let replacement = table[scalar] { result += replacement } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
