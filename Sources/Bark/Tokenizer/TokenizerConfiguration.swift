import Checkpoints
import Foundation

// The fields of a Hugging Face `tokenizer_config.json` that transformers' `BertTokenizer` honours.
// Others (`never_split`, `do_basic_tokenize`, `model_max_length`, …) are ignored, as the fast
// tokenizer ignores them.

/// Settings of Bark's BERT tokenizer, as read from `tokenizer_config.json`.
///
/// Defaults are Bark's (`suno/bark`, `suno/bark-small`): cased, CJK padding on, accents kept.
/// A field absent from the file keeps Bark's default; note that transformers' class default for
/// `do_lower_case` is `true`, so a config without that field would lower-case there.
public struct TokenizerConfiguration: Sendable, Equatable {
    /// `do_lower_case`.
    public var doLowerCase: Bool = false
    /// `tokenize_chinese_chars`.
    public var tokenizeChineseChars: Bool = true
    /// `strip_accents`; nil (JSON null) follows `doLowerCase`.
    public var stripAccents: Bool? = nil
    /// `unk_token`.
    public var unknownToken: String = "[UNK]"
    /// `pad_token`, `unk_token`, `cls_token`, `sep_token`, `mask_token`: matched whole in the raw text
    /// before normalization and never split.
    public var specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// Bark's settings.
    public init() {}

    /// Reads the settings from a `tokenizer_config.json`.
    ///
    /// Token fields may be strings or added-token objects (`{"content": "[UNK]", …}`).
    /// - Throws: ``TokenizerError`` naming the file, and the field whose type is wrong.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let data = try TokenizerError.readFile(url)
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: data)
        } catch let error as FieldError {
            throw TokenizerError.invalidConfiguration(file: path, field: error.field, reason: error.reason)
        } catch {
            throw TokenizerError.invalidConfiguration(
                file: path, field: nil, reason: "expected a JSON object (\(DecodingErrorText.describe(error, document: data)))")
        }
        if let value = fields.doLowerCase { doLowerCase = value }
        if let value = fields.tokenizeChineseChars { tokenizeChineseChars = value }
        stripAccents = fields.stripAccents
        if let unk = fields.tokens["unk_token"] { unknownToken = unk }
        specialTokens = Fields.tokenKeys.map { key in
            fields.tokens[key.stringValue] ?? "[" + key.stringValue.dropLast("_token".count).uppercased() + "]"
        }
    }

    /// A field of the JSON with the wrong type.
    private struct FieldError: Error {
        let field: String
        let reason: String
    }

    /// The fields read from the JSON object, each decoded on its own so errors name it.
    private struct Fields: Decodable {
        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(_ name: String) { stringValue = name }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// An added token written as an object.
        struct AddedToken: Decodable { let content: String }

        static let tokenKeys = ["pad_token", "unk_token", "cls_token", "sep_token", "mask_token"].map(Key.init)

        var doLowerCase: Bool?
        var tokenizeChineseChars: Bool?
        var stripAccents: Bool?
        var tokens: [String: String] = [:]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            func bool(_ name: String) throws -> Bool? {
                do {
                    return try container.decodeIfPresent(Bool.self, forKey: Key(name))
                } catch {
                    throw FieldError(field: name, reason: "expected true, false or null")
                }
            }
            doLowerCase = try bool("do_lower_case")
            tokenizeChineseChars = try bool("tokenize_chinese_chars")
            stripAccents = try bool("strip_accents")
            for key in Self.tokenKeys where container.contains(key) {
                if try container.decodeNil(forKey: key) { continue }
                let token: String
                if let string = try? container.decode(String.self, forKey: key) {
                    token = string
                } else if let added = try? container.decode(AddedToken.self, forKey: key) {
                    token = added.content
                } else {
                    throw FieldError(field: key.stringValue, reason: "expected a string or {\"content\": string}")
                }
                guard !token.isEmpty else { throw FieldError(field: key.stringValue, reason: "token is empty") }
                tokens[key.stringValue] = token
            }
        }
    }
}
