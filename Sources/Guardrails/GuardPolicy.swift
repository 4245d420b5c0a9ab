import Checkpoints
import Foundation

/// A guard policy: categories of terms and patterns per language, each with an action.
///
/// JSON (`--policy FILE`):
/// ```json
/// {"bleep": "[bleep]",
///  "categories": [{"name": "weapons", "action": "refuse", "description": "…",
///                  "terms": {"en": ["make sarin"], "de": ["sarin herstellen"]},
///                  "patterns": {"en": ["\\bsarin (?:recipe|synthesis)\\b"]}}]}
/// ```
/// `action` is `refuse`, `bleep` or `log` (also `log only`). Top-level `description`, `source`
/// and `licence` are documentation. Unknown fields are errors, so that a typo cannot switch a
/// category off. A policy with no categories allows everything.
public struct GuardPolicy: Sendable, Equatable {
    /// The categories, in file order.
    public var categories: [GuardCategory]
    /// What a `bleep` category puts in place of the matched span.
    public var bleep: String
    /// Where the policy came from (a file path or "default policy"); used in messages.
    public var source: String

    /// The replacement used when a policy gives no `bleep`.
    public static let defaultBleep = "[bleep]"

    public init(categories: [GuardCategory], bleep: String = GuardPolicy.defaultBleep, source: String = "policy") {
        self.categories = categories
        self.bleep = bleep
        self.source = source
    }

    /// The policy that ships with OmniBark (`policies/default.json`, embedded in the binary).
    public static func standard() throws -> GuardPolicy {
        try parse(Data(DefaultPolicy.json.utf8), file: "default policy")
    }

    /// The policy in `url`, or the default policy when `url` is nil.
    public static func load(contentsOf url: URL?) throws -> GuardPolicy {
        guard let url else { return try standard() }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GuardPolicyError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
        return try parse(data, file: url.path)
    }

    /// Parses policy JSON; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> GuardPolicy {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw GuardPolicyError.malformedJSON(file: file, reason: DecodingErrorText.syntax(error))
        }
        return try PolicyReader(file: file).policy(root)
    }
}

/// Reads the JSON tree of a policy, naming the field of every error.
private struct PolicyReader {
    let file: String

    func fail(_ field: String, _ reason: String) -> GuardPolicyError { .invalidField(file: file, field: field, reason: reason) }

    func policy(_ root: Any) throws -> GuardPolicy {
        guard let object = root as? [String: Any] else {
            throw fail("(root)", "expected an object {\"categories\": [...]}")
        }
        try rejectUnknown(object, known: ["categories", "bleep", "description", "source", "licence", "license"], at: "")
        guard let list = object["categories"] else { throw fail("categories", "missing: expected an array of categories") }
        guard let array = list as? [Any] else { throw fail("categories", "must be an array of categories") }
        var bleep = GuardPolicy.defaultBleep
        if let value = object["bleep"] {
            guard let text = value as? String else { throw fail("bleep", "must be a string (the text put in place of a bleeped span)") }
            bleep = text
        }
        var categories: [GuardCategory] = []
        for (index, item) in array.enumerated() {
            let category = try self.category(item, at: "categories[\(index)]")
            if categories.contains(where: { $0.name == category.name }) {
                throw fail("categories[\(index)].name", "\"\(category.name)\" is used by an earlier category")
            }
            categories.append(category)
        }
        return GuardPolicy(categories: categories, bleep: bleep, source: file)
    }

    private func category(_ item: Any, at path: String) throws -> GuardCategory {
        guard let object = item as? [String: Any] else { throw fail(path, "each category must be an object") }
        try rejectUnknown(object, known: ["name", "action", "description", "terms", "patterns"], at: path + ".")
        guard let nameValue = object["name"] else { throw fail(path + ".name", "missing") }
        guard let name = nameValue as? String, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw fail(path + ".name", "must be a non-empty string")
        }
        guard let actionValue = object["action"] else { throw fail(path + ".action", "missing: refuse, bleep or log") }
        guard let actionName = actionValue as? String, let action = GuardAction(name: actionName) else {
            throw fail(path + ".action", "must be refuse, bleep or log (got \(actionValue))")
        }
        var description: String?
        if let value = object["description"] {
            guard let text = value as? String else { throw fail(path + ".description", "must be a string") }
            description = text
        }
        let terms = try languageLists(object["terms"], at: path + ".terms")
        let patterns = try languageLists(object["patterns"], at: path + ".patterns")
        if terms.values.allSatisfy(\.isEmpty) && patterns.values.allSatisfy(\.isEmpty) {
            throw fail(path, "category \"\(name)\" has no terms and no patterns")
        }
        for (language, list) in patterns {
            for (index, pattern) in list.enumerated() {
                do { _ = try NSRegularExpression(pattern: pattern) } catch {
                    throw fail("\(path).patterns.\(language)[\(index)]", "not a valid regular expression (ICU syntax)")
                }
            }
        }
        return GuardCategory(name: name, action: action, description: description, terms: terms, patterns: patterns)
    }

    /// `{"en": ["…"], "de": ["…"]}`: non-empty strings per non-empty language code.
    private func languageLists(_ value: Any?, at path: String) throws -> [String: [String]] {
        guard let value else { return [:] }
        guard let object = value as? [String: Any] else {
            throw fail(path, "must be an object of language code to a list of strings, e.g. {\"en\": [\"…\"]}")
        }
        var result: [String: [String]] = [:]
        for (language, listValue) in object {
            guard !language.isEmpty else { throw fail(path, "a language code is empty") }
            guard let list = listValue as? [Any] else { throw fail("\(path).\(language)", "must be an array of strings") }
            result[language] = try list.enumerated().map { index, entry in
                guard let text = entry as? String, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw fail("\(path).\(language)[\(index)]", "must be a non-empty string")
                }
                return text
            }
        }
        return result
    }

    private func rejectUnknown(_ object: [String: Any], known: Set<String>, at prefix: String) throws {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail(prefix + unknown, "unknown field (expected \(known.sorted().joined(separator: ", ")))")
        }
    }
}
