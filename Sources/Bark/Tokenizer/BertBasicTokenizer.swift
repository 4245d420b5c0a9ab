import Foundation

// Port of Hugging Face tokenizers' `BertNormalizer` + `BertPreTokenizer` (what transformers 5's
// `BertTokenizer` runs), compared against the slow `BasicTokenizer` in `tokenization_bert_legacy.py`.
// Everything works on Unicode scalars (Python code points), never on Swift grapheme clusters.

/// BERT's basic tokenizer: text cleaning, CJK padding, optional accent stripping and lower-casing,
/// then splitting on whitespace and punctuation.
///
/// Order of steps (the Rust reference's; the slow Python one lower-cases before stripping accents,
/// which gives the same words in practice):
/// 1. drop NUL, U+FFFD and control/format characters, turn whitespace into spaces;
/// 2. surround CJK ideographs with spaces when ``tokenizeChineseChars``;
/// 3. strip accents (NFD, drop non-spacing marks) when ``stripAccents`` is true, or when it is nil
///    and ``lowercase`` is true;
/// 4. lower-case each scalar with its full Unicode mapping (no context: a final capital sigma
///    becomes σ, where Python's `str.lower` gives ς);
/// 5. split on spaces (dropped) and punctuation (kept as one-scalar words).
///
/// Where the slow Python `BasicTokenizer` (transformers' `tokenization_bert_legacy.py`) gives other
/// words, this follows the Rust one that transformers 5's `BertTokenizer` actually runs:
/// - the slow one NFC-normalizes the text first, so NFD input ("e" + U+0301) matches NFC vocabulary
///   entries there but not here (with Bark's cased settings);
/// - the slow one also removes unassigned code points (category Cn); here they are kept;
/// - categories come from the Rust crate's older Unicode tables (format characters such as U+0890,
///   newer marks and punctuation differ);
/// - U+2B820–U+2B91F are not padded as CJK (see ``BertCharacterClass``);
/// - lower-casing is per scalar, without Python's final-sigma rule.
public struct BertBasicTokenizer: Sendable, Equatable {
    /// Lower-case the text (`do_lower_case`).
    public var lowercase: Bool
    /// Strip accents (`strip_accents`); nil follows ``lowercase``, as in the original BERT.
    public var stripAccents: Bool?
    /// Put spaces around CJK ideographs (`tokenize_chinese_chars`).
    public var tokenizeChineseChars: Bool

    /// Creates a basic tokenizer. The defaults are Bark's (`bert-base-multilingual-cased`).
    public init(lowercase: Bool = false, stripAccents: Bool? = nil, tokenizeChineseChars: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.tokenizeChineseChars = tokenizeChineseChars
    }

    /// Whether accents are stripped with the current settings.
    public var stripsAccents: Bool { stripAccents ?? lowercase }

    /// Splits `text` into words and punctuation marks.
    public func tokenize(_ text: String) -> [String] {
        words(in: Array(text.unicodeScalars)).map { String(String.UnicodeScalarView($0)) }
    }

    /// Splits `scalars` into words and punctuation marks, each a scalar array.
    public func words(in scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        split(normalize(scalars))
    }

    /// Steps 1–4: the normalized text, still one string.
    public func normalize(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var text: [Unicode.Scalar] = []
        text.reserveCapacity(scalars.count)
        for scalar in scalars {
            switch BertCharacterClass(scalar) {
            case .removed:
                continue
            case .whitespace:
                text.append(" ")
            case .chineseCharacter where tokenizeChineseChars:
                text.append(" ")
                text.append(scalar)
                text.append(" ")
            case .chineseCharacter, .punctuation, .other:
                text.append(scalar)
            }
        }
        if stripsAccents {
            text = Self.stripAccents(text)
        }
        if lowercase {
            text = text.flatMap { $0.properties.lowercaseMapping.unicodeScalars }
        }
        return text
    }

    /// Step 5: split normalized text on whitespace (dropped) and punctuation (isolated).
    public func split(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in text {
            if scalar == " " || BertCharacterTables.contains(BertCharacterTables.whitespace, scalar.value) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
            } else if BertCharacterClass.isPunctuation(scalar.value) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Canonical decomposition (NFD) of the whole text, then every non-spacing mark dropped.
    static func stripAccents(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { !$0.isASCII }) else { return text }
        let decomposed = String(String.UnicodeScalarView(text)).decomposedStringWithCanonicalMapping
        return decomposed.unicodeScalars.filter { !BertCharacterClass.isNonspacingMark($0) }
    }
}
