/// The ways the coverage measurement disguises a policy term, one per normalization step (and
/// one combining several). Deterministic: the same term always gives the same disguise.
public enum EvasionTransform: String, Sendable, CaseIterable {
    case plain, caseMix = "case", fullwidth, invisible, diacritics, confusables, leet, spaced, punctuated, repeated, combined

    /// `term` disguised.
    public func apply(_ term: String) -> String {
        switch self {
        case .plain: return term
        case .caseMix: return term.enumerated().map { $0.offset % 2 == 0 ? $0.element.uppercased() : String($0.element) }.joined()
        case .fullwidth: return Self.mapScalars(term) { Self.fullwidth($0) }
        case .invisible:
            let marks = ["\u{200B}", "\u{00AD}", "\u{200D}", "\u{2060}", "\u{202E}"]
            return Self.interleave(term) { marks[$0 % marks.count] }
        case .diacritics: return Self.mapScalars(term) { Self.accented[$0].map { String($0) } ?? String($0) }
        case .confusables: return Self.mapScalars(term) { Self.lookalikes[$0].map { String($0) } ?? String($0) }
        case .leet: return Self.mapScalars(term) { Self.leetForms[$0].map { String($0) } ?? String($0) }
        case .spaced: return Self.interleave(term) { _ in " " }
        case .punctuated: return Self.interleave(term) { $0 % 2 == 0 ? "." : "-" }
        case .repeated: return Self.mapScalars(term) { "aeiou".unicodeScalars.contains($0) ? String(repeating: String($0), count: 3) : String($0) }
        case .combined:
            // Substitutes first (they replace most vowels), lookalikes for what is left, then case and invisibles.
            return Self.invisible.apply(Self.caseMix.apply(Self.confusables.apply(Self.leet.apply(term))))
        }
    }

    /// Letters of a word with `separator(i)` between letter i and i+1 (not around spaces).
    private static func interleave(_ term: String, _ separator: (Int) -> String) -> String {
        var result = ""
        var index = 0
        let characters = Array(term)
        for (position, character) in characters.enumerated() {
            result.append(character)
            if position + 1 < characters.count, character.isLetter, characters[position + 1].isLetter {
                result += separator(index)
                index += 1
            } else if character == " " && (separator(0) == " ") {
                result += " "  // spaced words stay apart
            }
        }
        return result
    }

    private static func mapScalars(_ term: String, _ transform: (Unicode.Scalar) -> String) -> String {
        term.unicodeScalars.map(transform).joined()
    }

    private static func fullwidth(_ scalar: Unicode.Scalar) -> String {
        guard (0x21...0x7E).contains(scalar.value), let wide = Unicode.Scalar(scalar.value + 0xFEE0) else { return String(scalar) }
        return String(wide)
    }

    private static let accented: [Unicode.Scalar: Unicode.Scalar] = [
        "a": "á", "e": "ë", "i": "ï", "o": "ô", "u": "ü", "c": "ç", "n": "ñ", "s": "š", "z": "ž", "y": "ÿ", "r": "ř", "g": "ğ",
    ]

    /// Cyrillic and Greek letters that look like Latin ones.
    private static let lookalikes: [Unicode.Scalar: Unicode.Scalar] = [
        "a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "p": "р", "s": "ѕ", "x": "х", "y": "у", "k": "κ", "h": "һ", "j": "ј",
    ]

    private static let leetForms: [Unicode.Scalar: Unicode.Scalar] = [
        "a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1", "g": "9", "b": "8",
    ]
}
