import Foundation

/// Folds text for matching, character by character, in this order: NFKC; full case folding;
/// removal of invisible characters; diacritic folding; then, per remaining code point, digit and
/// symbol substitutes read as letters, and every letter replaced by its TR39 confusable skeleton
/// (lower-cased, marks removed). Separators (whitespace, punctuation, symbols) are kept as such.
/// Skeletons are only ever compared, never shown.
///
/// Thread safety: `icu` is immutable and safe to share (see `ICUFunctions`); the cache of folded
/// characters is read and written only under `lock`.
final class TextFolder: @unchecked Sendable {
    private let icu: ICUFunctions
    private let lock = NSLock()
    private var cache: [Character: CharacterFold] = [:]
    private static let cacheLimit = 65_536

    init() throws {
        icu = try ICUFunctions()
    }

    /// `text` folded, with the place of every character in the original.
    func fold(_ text: String) throws -> FoldedText {
        var units: [FoldedText.Unit] = []
        units.reserveCapacity(text.count)
        var byteOffset = 0, characterOffset = 0
        for character in text {
            let length = character.utf8.count
            units.append(FoldedText.Unit(byteOffset: byteOffset, byteLength: length, characterOffset: characterOffset,
                                         fold: try fold(character)))
            byteOffset += length
            characterOffset += 1
        }
        return FoldedText(units: units)
    }

    /// One character folded (cached).
    func fold(_ character: Character) throws -> CharacterFold {
        lock.lock()
        let cached = cache[character]
        lock.unlock()
        if let cached { return cached }
        let folded = try computeFold(character)
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[character] = folded
        lock.unlock()
        return folded
    }

    // MARK: The steps, each on its own so each can be tested

    /// Step 1: NFKC.
    func compatibilityComposed(_ text: String) throws -> String { try icu.compatibilityComposed(text) }
    /// Step 2: full case folding.
    func caseFolded(_ text: String) throws -> String { try icu.caseFolded(text) }
    /// Step 3: invisible characters removed.
    func withoutInvisibles(_ text: String) -> String { FormatCharacters.removed(from: text) }
    /// Step 4: diacritics folded.
    func withoutDiacritics(_ text: String) throws -> String { DiacriticFolding.folded(decomposed: try icu.decomposed(text)) }
    /// Step 5: the confusable skeleton of one letter, lower-cased and without marks ("к" → "k",
    /// "а" → "a", "m" → "rn").
    func skeletonLetters(_ scalar: Unicode.Scalar) throws -> [Unicode.Scalar] {
        let skeleton = try icu.skeleton(String(Character(scalar)))
        let folded = DiacriticFolding.folded(decomposed: try icu.decomposed(skeleton.lowercased()))
        let letters = Array(folded.unicodeScalars)
        return letters.isEmpty ? [scalar] : letters
    }

    /// Steps 1–4 on any text (used for terms' display-free checks and the pattern text).
    func plainFolded(_ text: String) throws -> String {
        try withoutDiacritics(withoutInvisibles(caseFolded(compatibilityComposed(text))))
    }

    private func computeFold(_ character: Character) throws -> CharacterFold {
        let plain = try plainFolded(String(character))
        var letters: [FoldedLetter] = []
        var plainText = ""
        var separator = CharacterFold.Separator.none
        for scalar in plain.unicodeScalars {
            if let substitutes = LeetSubstitution.letters(for: scalar) {
                letters.append(FoldedLetter(candidates: try substitutes.map { try skeletonLetters($0).first ?? $0 }, isSubstitute: true))
                plainText.unicodeScalars.append(scalar)
            } else if Self.isLetter(scalar) {
                for letter in try skeletonLetters(scalar) { letters.append(FoldedLetter(candidates: [letter], isSubstitute: false)) }
                plainText.unicodeScalars.append(scalar)
            } else if Self.isLineBreak(scalar) {
                separator = .lineBreak
                plainText += " "
            } else if scalar.properties.isWhitespace {
                if separator != .lineBreak { separator = .space }
                plainText += " "
            } else {
                if separator == .none { separator = .punctuation }
                plainText.unicodeScalars.append(scalar)
            }
        }
        return CharacterFold(letters: letters, separator: separator, plain: plainText)
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        ["\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar)
    }
}
