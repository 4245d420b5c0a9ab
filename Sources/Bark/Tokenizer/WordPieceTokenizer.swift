// Port of tokenizers' `models/wordpiece/mod.rs` `WordPiece::tokenize` (identical in outcome to the slow
// Python `WordpieceTokenizer` in transformers' `tokenization_bert_legacy.py`).

/// Greedy longest-match-first WordPiece: splits one word into vocabulary pieces.
///
/// The first piece is looked up as is, later ones with the ``continuingSubwordPrefix`` ("##"). A word with
/// any unmatchable remainder, or longer than ``maxInputCharsPerWord`` Unicode scalars, becomes the single
/// ``unknownToken``.
public struct WordPieceTokenizer: Sendable {
    /// The vocabulary pieces are looked up in.
    public let vocabulary: BertVocabulary
    /// The token for a word that cannot be split (`[UNK]`).
    public let unknownToken: String
    /// The id of ``unknownToken`` in ``vocabulary``.
    public let unknownTokenID: Int
    /// Words longer than this many scalars (Python code points) become ``unknownToken``.
    public let maxInputCharsPerWord: Int
    /// Prefix marking a piece that continues a word.
    public let continuingSubwordPrefix: String

    private let prefixScalars: [Unicode.Scalar]

    /// Creates a WordPiece tokenizer; nil when `unknownToken` is not in `vocabulary`.
    public init?(
        vocabulary: BertVocabulary,
        unknownToken: String = "[UNK]",
        maxInputCharsPerWord: Int = 100,
        continuingSubwordPrefix: String = "##"
    ) {
        guard let unknownID = vocabulary.id(for: unknownToken) else { return nil }
        self.vocabulary = vocabulary
        self.unknownToken = unknownToken
        self.unknownTokenID = unknownID
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.prefixScalars = Array(continuingSubwordPrefix.unicodeScalars)
    }

    /// The pieces of `word` as (token, id) pairs; `[(unknownToken, unknownTokenID)]` when it cannot be split.
    public func pieces(of word: [Unicode.Scalar]) -> [(token: [Unicode.Scalar], id: Int)] {
        let unknown = [(token: Array(unknownToken.unicodeScalars), id: unknownTokenID)]
        if word.count > maxInputCharsPerWord { return unknown }
        var pieces: [(token: [Unicode.Scalar], id: Int)] = []
        var start = 0
        var candidate: [Unicode.Scalar] = []
        candidate.reserveCapacity(prefixScalars.count + word.count)
        while start < word.count {
            var end = word.count
            var match: (token: [Unicode.Scalar], id: Int)?
            while start < end {
                candidate.removeAll(keepingCapacity: true)
                if start > 0 { candidate.append(contentsOf: prefixScalars) }
                candidate.append(contentsOf: word[start..<end])
                if let id = vocabulary.id(forScalars: candidate) {
                    match = (candidate, id)
                    break
                }
                end -= 1
            }
            guard let found = match else { return unknown }
            pieces.append(found)
            start = end
        }
        return pieces
    }

    /// The pieces of `word` as strings (e.g. `["un", "##believ", "##able"]`).
    public func tokenize(_ word: String) -> [String] {
        pieces(of: Array(word.unicodeScalars)).map { String(String.UnicodeScalarView($0.token)) }
    }
}
