import Foundation

// Port of how transformers 5 loads `vocab.txt` for `BertTokenizer`: the path goes to tokenizers'
// `WordPiece::read_file`, which enumerates `BufRead::lines()` and inserts `line.trim_end()` → index.
// The slow Python `load_vocab` strips only "\n"; both let a later duplicate line win.

/// A WordPiece vocabulary: tokens and their ids.
///
/// Tokens are compared scalar by scalar (byte-exact, like Python and Rust), never with Swift's
/// canonical-equivalence `String` equality, so "é" (U+00E9) and "e" + U+0301 are different tokens.
public struct BertVocabulary: Sendable {
    /// Id of each token, keyed by its scalars.
    private let ids: [[Unicode.Scalar]: Int]
    /// Token of each id; nil where a later duplicate line took the token (the reference cannot decode that id).
    private let tokens: [String?]

    /// Number of distinct tokens (`tokenizer.vocab_size`); less than the line count when lines repeat.
    public var count: Int { ids.count }

    /// Builds a vocabulary from lines: id = line index, trailing whitespace trimmed, later duplicates win.
    public init(lines: [String]) {
        var ids: [[Unicode.Scalar]: Int] = [:]
        ids.reserveCapacity(lines.count)
        var tokens: [String?] = []
        tokens.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let token = Self.trimmingTrailingWhitespace(Array(line.unicodeScalars))
            if let previous = ids.updateValue(index, forKey: token) {
                tokens[previous] = nil
            }
            tokens.append(String(String.UnicodeScalarView(token)))
        }
        self.ids = ids
        self.tokens = tokens
    }

    /// Reads `vocab.txt`: UTF-8, one token per line ("\n" or "\r\n"), id = line index.
    ///
    /// - Throws: ``TokenizerError/missingFile(file:)``, ``TokenizerError/unreadable(file:reason:)``,
    ///   ``TokenizerError/invalidUTF8(file:line:)`` or ``TokenizerError/emptyVocabulary(file:)``.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let data = try TokenizerError.readFile(url)
        var lines: [String] = []
        var lineStart = data.startIndex
        var lineNumber = 0
        func addLine(upTo end: Data.Index) throws {
            lineNumber += 1
            guard let line = String(validating: data[lineStart..<end], as: UTF8.self) else {
                throw TokenizerError.invalidUTF8(file: path, line: lineNumber)
            }
            lines.append(line)
        }
        for index in data.indices where data[index] == UInt8(ascii: "\n") {
            try addLine(upTo: index)
            lineStart = data.index(after: index)
        }
        if lineStart < data.endIndex { try addLine(upTo: data.endIndex) }
        guard !lines.isEmpty else { throw TokenizerError.emptyVocabulary(file: path) }
        self.init(lines: lines)
    }

    /// The id of `token`, compared scalar by scalar; nil if absent.
    public func id(for token: String) -> Int? { ids[Array(token.unicodeScalars)] }

    /// The id of the token spelled by `scalars`; nil if absent.
    public func id(forScalars scalars: [Unicode.Scalar]) -> Int? { ids[scalars] }

    /// The token with `id`; nil when out of range or shadowed by a later duplicate line.
    public func token(for id: Int) -> String? {
        tokens.indices.contains(id) ? tokens[id] : nil
    }

    /// Rust's `str::trim_end`: drops trailing `White_Space` scalars (which include "\r").
    static func trimmingTrailingWhitespace(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var end = scalars.endIndex
        while end > scalars.startIndex, scalars[end - 1].properties.isWhitespace { end -= 1 }
        return Array(scalars[..<end])
    }
}
