// Port of the character predicates in Hugging Face tokenizers' `normalizers/bert.rs` and
// `pre_tokenizers/bert.rs` (the backend of transformers' `BertTokenizer` since transformers 5);
// the slow Python `BasicTokenizer` (`tokenization_bert_legacy.py`) differs where noted.

/// How BERT's normalizer and pre-tokenizer treat one Unicode scalar.
///
/// The classes are checked in this order: a scalar that is ``removed`` is never ``whitespace``, and so on.
/// The category tables are those of the reference (see `BertCharacterTables.swift`), not Swift's own.
public enum BertCharacterClass: Sendable, Equatable {
    /// Dropped by text cleaning: NUL, U+FFFD, controls other than tab/LF/CR, format and private-use characters.
    /// (Unlike the slow Python tokenizer, unassigned code points are kept.)
    case removed
    /// Turned into a plain space by text cleaning (tab, LF, CR, space separators, U+2028, U+2029).
    case whitespace
    /// A CJK ideograph, surrounded with spaces when `tokenize_chinese_chars` is on.
    case chineseCharacter
    /// Punctuation: ASCII 33–47, 58–64, 91–96, 123–126, or a P* category; becomes a token of its own.
    case punctuation
    /// Anything else: part of a word.
    case other

    /// The class of `scalar`.
    public init(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        if BertCharacterTables.contains(BertCharacterTables.removed, value) {
            self = .removed
        } else if BertCharacterTables.contains(BertCharacterTables.whitespace, value) {
            self = .whitespace
        } else if BertCharacterClass.isChineseCharacter(value) {
            self = .chineseCharacter
        } else if BertCharacterClass.isPunctuation(value) {
            self = .punctuation
        } else {
            self = .other
        }
    }

    /// The CJK Unified Ideographs blocks BERT pads with spaces.
    ///
    /// The Rust reference lists `0x2B920...0x2CEAF` where Google's BERT and the slow Python tokenizer have
    /// `0x2B820...0x2CEAF`, so U+2B820–U+2B91F (start of CJK Extension E) are *not* padded here.
    static let chineseRanges: [ClosedRange<UInt32>] = [
        0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2A6DF,
        0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0x2F800...0x2FA1F,
    ]

    /// Whether `value` is a CJK ideograph in BERT's sense (see ``chineseRanges``).
    static func isChineseCharacter(_ value: UInt32) -> Bool {
        chineseRanges.contains { $0.contains(value) }
    }

    /// ASCII punctuation (all non-alphanumeric printable ASCII) or a P* category in the reference's table.
    static func isPunctuation(_ value: UInt32) -> Bool {
        switch value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0...127: return false
        default: return BertCharacterTables.contains(BertCharacterTables.nonASCIIPunctuation, value)
        }
    }

    /// Whether `scalar` is a non-spacing mark (Mn) in the reference's table: what accent stripping drops.
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        BertCharacterTables.contains(BertCharacterTables.nonspacingMarks, scalar.value)
    }
}
