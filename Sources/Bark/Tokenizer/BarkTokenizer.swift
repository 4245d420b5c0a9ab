import Foundation

// Port of transformers 5's `BertTokenizer` (models/bert/tokenization_bert.py, backed by the Rust
// tokenizers library: added-token split → BertNormalizer → BertPreTokenizer → WordPiece, and the
// WordPiece decoder) as Bark uses it: `tokenizer(text, add_special_tokens=False)["input_ids"]`.
// Bark's model ids are these ids + 10048; that offset belongs to the generation code, not here.

/// Bark's text tokenizer: BERT WordPiece over `bert-base-multilingual-cased`'s vocabulary.
///
/// Immutable after loading, so safe to share between threads.
public struct BarkTokenizer: Sendable {
    /// The vocabulary (`vocab.txt`).
    public let vocabulary: BertVocabulary
    /// Cleaning, CJK padding, case and accent handling, whitespace and punctuation splitting.
    public let basicTokenizer: BertBasicTokenizer
    /// Splitting of each word into vocabulary pieces.
    public let wordPiece: WordPieceTokenizer
    /// Special tokens present in the vocabulary, matched whole in the raw text (never normalized or split),
    /// longest first.
    public let specialTokens: [String]

    private let specialScalars: [[Unicode.Scalar]]

    /// Loads `vocab.txt` and, when given, `tokenizer_config.json`; without one, Bark's settings apply.
    ///
    /// - Throws: ``TokenizerError`` when a file is missing or unreadable, the vocabulary is empty or lacks
    ///   the unknown token, or a configuration field has the wrong type.
    public init(vocabularyFile: URL, configurationFile: URL? = nil) throws {
        let configuration = try configurationFile.map(TokenizerConfiguration.init(contentsOf:))
            ?? TokenizerConfiguration()
        try self.init(vocabulary: BertVocabulary(contentsOf: vocabularyFile), configuration: configuration,
                      vocabularyPath: vocabularyFile.path)
    }

    /// Loads `vocab.txt` and, if present, `tokenizer_config.json` from a model directory
    /// (e.g. a download of `suno/bark-small`).
    public init(modelDirectory: URL) throws {
        let configuration = modelDirectory.appendingPathComponent("tokenizer_config.json")
        try self.init(
            vocabularyFile: modelDirectory.appendingPathComponent("vocab.txt"),
            configurationFile: FileManager.default.fileExists(atPath: configuration.path) ? configuration : nil)
    }

    /// Builds a tokenizer from a vocabulary already in memory.
    ///
    /// - Throws: ``TokenizerError/missingUnknownToken(file:token:)`` (with `vocabularyPath` as the file) when
    ///   the vocabulary lacks `configuration.unknownToken`.
    public init(vocabulary: BertVocabulary, configuration: TokenizerConfiguration = TokenizerConfiguration(),
                vocabularyPath: String = "<memory>") throws {
        guard let wordPiece = WordPieceTokenizer(vocabulary: vocabulary, unknownToken: configuration.unknownToken)
        else {
            throw TokenizerError.missingUnknownToken(file: vocabularyPath, token: configuration.unknownToken)
        }
        self.vocabulary = vocabulary
        self.wordPiece = wordPiece
        self.basicTokenizer = BertBasicTokenizer(
            lowercase: configuration.doLowerCase, stripAccents: configuration.stripAccents,
            tokenizeChineseChars: configuration.tokenizeChineseChars)
        // transformers would append a special token missing from vocab.txt with a new id; Bark's vocabulary
        // has all five, so such a token is simply not treated as special here.
        var specials: [String] = []
        for token in configuration.specialTokens
        where vocabulary.id(for: token) != nil && !specials.contains(where: { $0.unicodeScalars.elementsEqual(token.unicodeScalars) }) {
            specials.append(token)
        }
        specials.sort { $0.unicodeScalars.count > $1.unicodeScalars.count }
        self.specialTokens = specials
        self.specialScalars = specials.map { Array($0.unicodeScalars) }
    }

    /// Number of distinct tokens in the vocabulary (`tokenizer.vocab_size`; 119547 for Bark).
    public var vocabularySize: Int { vocabulary.count }

    /// The WordPiece tokens of `text` (`tokenizer.tokenize(text)`), e.g. `["[", "laugh", "##ter", "]"]`.
    public func tokenize(_ text: String) -> [String] {
        pieces(of: text).map { String(String.UnicodeScalarView($0.token)) }
    }

    /// The token ids of `text`, without `[CLS]`/`[SEP]`
    /// (`tokenizer(text, add_special_tokens=False)["input_ids"]`).
    public func encode(_ text: String) -> [Int] {
        pieces(of: text).map(\.id)
    }

    /// Tokens and ids: special tokens are cut out of the raw text first, the rest goes through the basic
    /// tokenizer and WordPiece.
    func pieces(of text: String) -> [(token: [Unicode.Scalar], id: Int)] {
        let scalars = Array(text.unicodeScalars)
        var result: [(token: [Unicode.Scalar], id: Int)] = []
        func addText(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            for word in basicTokenizer.words(in: Array(scalars[range])) {
                result.append(contentsOf: wordPiece.pieces(of: word))
            }
        }
        var segmentStart = 0
        var index = 0
        while index < scalars.count {
            if let special = specialScalars.first(where: { scalars[index...].starts(with: $0) }),
               let id = vocabulary.id(forScalars: special) {
                addText(segmentStart..<index)
                result.append((special, id))
                index += special.count
                segmentStart = index
            } else {
                index += 1
            }
        }
        addText(segmentStart..<scalars.count)
        return result
    }

    /// Text for `ids`, as transformers' `tokenizer.decode(ids)` with the WordPiece decoder.
    ///
    /// Tokens are joined with spaces, a `##` piece is glued to the one before, and per token " ." " ?" " !"
    /// " ," lose their space (with the reference's other English contractions). Ids without a token are skipped.
    public func decode(_ ids: [Int]) -> String {
        var text = ""
        let prefix = wordPiece.continuingSubwordPrefix
        for (position, token) in ids.compactMap(vocabulary.token(for:)).enumerated() {
            var piece = token
            if position != 0 {
                if piece.utf8.starts(with: prefix.utf8) {
                    piece = String(piece.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
                } else {
                    piece = " " + piece
                }
            }
            text += Self.cleanUp(piece)
        }
        return text
    }

    /// The reference decoder's `cleanup` on one token (exact replacements, in its order).
    static func cleanUp(_ token: String) -> String {
        guard token.utf8.first == UInt8(ascii: " ") else { return token }
        var text = token
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            text = text.replacingOccurrences(of: from, with: to, options: .literal)
        }
        return text
    }
}
