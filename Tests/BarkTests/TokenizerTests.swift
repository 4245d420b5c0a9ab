import Foundation
import Testing
@testable import Bark
import TestSupport

/// Parity of `BarkTokenizer` with transformers' `BertTokenizer` on the fixtures written by
/// `scripts/make_tokenizer_fixtures.py` (versions in Tests/Fixtures/tokenizer/VERSIONS.txt).
@Suite struct TokenizerTests {
    struct Expected: Decodable {
        let tokens: [String]
        let ids: [Int]
        let decoded: String
    }

    struct Case: Decodable {
        let text: String
        let cased: Expected
        let lowercased: Expected
    }

    struct Quirks: Decodable {
        let lines: [String]
        let vocab: [String: Int]
        let vocab_size: Int
        let decode_each: [String]
        let decode_all: String
        let texts: [String: [Int]]
    }

    struct Cases: Decodable {
        let vocab_size: Int
        let vocab_quirks: Quirks
        let cases: [Case]
    }

    static func loadCases() throws -> Cases {
        let data = try Data(contentsOf: FixturePaths.tokenizer.appendingPathComponent("cases.json"))
        return try JSONDecoder().decode(Cases.self, from: data)
    }

    static func tokenizer(lowercase: Bool) throws -> BarkTokenizer {
        var configuration = try TokenizerConfiguration(
            contentsOf: FixturePaths.tokenizer.appendingPathComponent("tokenizer_config.json"))
        configuration.doLowerCase = lowercase
        let vocabulary = try BertVocabulary(contentsOf: FixturePaths.tokenizer.appendingPathComponent("vocab.txt"))
        return try BarkTokenizer(vocabulary: vocabulary, configuration: configuration)
    }

    /// Scalar-exact string comparison (Swift's `==` would equate NFC and NFD spellings).
    static func same(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.unicodeScalars.elementsEqual($1.unicodeScalars) }
    }

    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map { $0.isASCII && $0.value >= 32 ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
            .joined()
    }

    @Test(arguments: [false, true])
    func matchesReferenceTokensAndIDs(lowercase: Bool) throws {
        let fixture = try Self.loadCases()
        let tokenizer = try Self.tokenizer(lowercase: lowercase)
        #expect(tokenizer.vocabularySize == fixture.vocab_size)
        #expect(fixture.cases.count >= 40)
        for (index, item) in fixture.cases.enumerated() {
            let expected = lowercase ? item.lowercased : item.cased
            let tokens = tokenizer.tokenize(item.text)
            #expect(Self.same(tokens, expected.tokens),
                    "case \(index) \"\(Self.escaped(item.text))\": tokens \(tokens) != \(expected.tokens)")
            #expect(tokenizer.encode(item.text) == expected.ids, "case \(index) \"\(Self.escaped(item.text))\": ids")
            let decoded = tokenizer.decode(expected.ids)
            #expect(decoded.unicodeScalars.elementsEqual(expected.decoded.unicodeScalars),
                    "case \(index): decode \"\(Self.escaped(decoded))\" != \"\(Self.escaped(expected.decoded))\"")
        }
    }

    /// Every code point's class against the reference normalizer and pre-tokenizer (codepoints.json).
    @Test func characterClassesMatchReferenceForEveryCodePoint() throws {
        let data = try Data(contentsOf: FixturePaths.tokenizer.appendingPathComponent("codepoints.json"))
        let runs = try #require(try JSONSerialization.jsonObject(with: data) as? [[Any]])
        var mismatches: [String] = []
        for (position, run) in runs.enumerated() {
            let first = try #require(run[0] as? Int)
            let kind = try #require(run[1] as? String)
            let end = position + 1 < runs.count ? try #require(runs[position + 1][0] as? Int) : 0x110000
            for value in first..<end {
                guard let scalar = Unicode.Scalar(UInt32(value)) else {
                    if kind != "S" { mismatches.append("U+\(String(value, radix: 16)) not a scalar") }
                    continue
                }
                let swiftKind: String
                switch BertCharacterClass(scalar) {
                case .removed: swiftKind = "R"
                case .whitespace: swiftKind = "W"
                case .chineseCharacter: swiftKind = "C"
                case .punctuation: swiftKind = "P"
                case .other: swiftKind = BertCharacterClass.isNonspacingMark(scalar) ? "M" : "O"
                }
                if swiftKind != kind, mismatches.count < 20 {
                    mismatches.append("U+\(String(value, radix: 16, uppercase: true)): \(swiftKind), reference \(kind)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// How vocab.txt lines are read: trailing whitespace trimmed, later duplicates win, shadowed ids undecodable.
    @Test func readsVocabularyLinesLikeReference() throws {
        let quirks = try Self.loadCases().vocab_quirks
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-quirks-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let vocabularyFile = directory.appendingPathComponent("vocab.txt")
        try Data(quirks.lines.map { $0 + "\n" }.joined().utf8).write(to: vocabularyFile)
        let tokenizer = try BarkTokenizer(vocabularyFile: vocabularyFile)
        #expect(tokenizer.vocabularySize == quirks.vocab_size)
        for (token, id) in quirks.vocab {
            #expect(tokenizer.vocabulary.id(for: token) == id, "token \"\(Self.escaped(token))\"")
        }
        for (id, text) in quirks.decode_each.enumerated() {
            #expect(tokenizer.decode([id]).unicodeScalars.elementsEqual(text.unicodeScalars), "id \(id)")
        }
        let all = tokenizer.decode(Array(0..<quirks.decode_each.count))
        #expect(all.unicodeScalars.elementsEqual(quirks.decode_all.unicodeScalars), "\(Self.escaped(all))")
        for (text, ids) in quirks.texts {
            #expect(tokenizer.encode(text) == ids, "\"\(Self.escaped(text))\"")
        }
    }

    @Test func loadsModelDirectoryWithBarkSettings() throws {
        let tokenizer = try BarkTokenizer(modelDirectory: FixturePaths.tokenizer)
        #expect(tokenizer.basicTokenizer == BertBasicTokenizer(lowercase: false, stripAccents: nil,
                                                               tokenizeChineseChars: true))
        #expect(tokenizer.specialTokens.count == 5)
        #expect(tokenizer.tokenize("[laughter] Hello") == ["[", "laugh", "##ter", "]", "Hello"])
    }

    @Test func decodeRoundTripsSimpleText() throws {
        let tokenizer = try Self.tokenizer(lowercase: false)
        for text in ["hello world.", "Hello, world!", "unbelievable tokenizer", "the laughter"] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
        #expect(tokenizer.decode([-1, 1_000_000]) == "")
    }

    @Test func wordPieceCountsUnicodeScalarsNotCharacters() throws {
        let tokenizer = try Self.tokenizer(lowercase: false)
        let acuteE = "e\u{301}"  // one Character, two scalars
        #expect(tokenizer.wordPiece.pieces(of: Array(String(repeating: acuteE, count: 50).unicodeScalars)).count > 1)
        #expect(tokenizer.tokenize(String(repeating: acuteE, count: 51)) == ["[UNK]"])
    }

    // MARK: errors

    static func temporaryFile(_ name: String, _ contents: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try Data(contents).write(to: url)
        return url
    }

    @Test func missingVocabularyFileNamesTheFile() {
        let url = URL(fileURLWithPath: "/nonexistent/omnibark/vocab.txt")
        #expect(throws: TokenizerError.missingFile(file: url.path)) { try BarkTokenizer(vocabularyFile: url) }
        #expect(TokenizerError.missingFile(file: url.path).description.contains("/nonexistent/omnibark/vocab.txt"))
    }

    @Test func emptyVocabularyIsRejected() throws {
        let url = try Self.temporaryFile("vocab.txt", [])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: TokenizerError.emptyVocabulary(file: url.path)) { try BarkTokenizer(vocabularyFile: url) }
    }

    @Test func vocabularyWithoutUnknownTokenIsRejected() throws {
        let url = try Self.temporaryFile("vocab.txt", Array("[PAD]\nhello\n##lo\n".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let error = TokenizerError.missingUnknownToken(file: url.path, token: "[UNK]")
        #expect(throws: error) { try BarkTokenizer(vocabularyFile: url) }
        #expect(error.description.contains(url.path) && error.description.contains("[UNK]"))
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let url = try Self.temporaryFile("vocab.txt", Array("[PAD]\n[UNK]\n".utf8) + [0x66, 0xFF, 0x0A])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: TokenizerError.invalidUTF8(file: url.path, line: 3)) { try BarkTokenizer(vocabularyFile: url) }
    }

    @Test func badConfigurationFieldIsNamed() throws {
        let vocabulary = FixturePaths.tokenizer.appendingPathComponent("vocab.txt")
        let cases: [(json: String, field: String?)] = [
            (#"{"do_lower_case": "yes"}"#, "do_lower_case"),
            (#"{"tokenize_chinese_chars": 1}"#, "tokenize_chinese_chars"),
            (#"{"strip_accents": "none"}"#, "strip_accents"),
            (#"{"unk_token": 5}"#, "unk_token"),
            (#"[1, 2]"#, nil),
            (#"{"do_lower_case": tru"#, nil),
        ]
        for (json, field) in cases {
            let url = try Self.temporaryFile("tokenizer_config.json", Array(json.utf8))
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                _ = try BarkTokenizer(vocabularyFile: vocabulary, configurationFile: url)
                Issue.record("accepted \(json)")
            } catch let TokenizerError.invalidConfiguration(file, badField, reason) {
                #expect(file == url.path)
                #expect(badField == field, "\(json)")
                // In words: never a `Swift.DecodingError.Context(…)` or NSError dump.
                for raw in ["DecodingError", "Context(", "Error Domain", "NSCocoaErrorDomain"] {
                    #expect(!reason.contains(raw), "\(json): \(reason)")
                }
            }
        }
    }

    @Test func configurationAcceptsAddedTokenObjectsAndNull() throws {
        let json = #"{"unk_token": {"content": "[UNK]", "__type": "AddedToken"}, "strip_accents": null, "do_lower_case": true}"#
        let url = try Self.temporaryFile("tokenizer_config.json", Array(json.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let configuration = try TokenizerConfiguration(contentsOf: url)
        #expect(configuration.unknownToken == "[UNK]" && configuration.stripAccents == nil && configuration.doLowerCase)
    }
}
