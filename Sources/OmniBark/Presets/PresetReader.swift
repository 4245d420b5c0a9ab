import Foundation

/// The typed values of a preset's JSON tree (from `JSONSerialization`), each read with the field
/// path that errors name. Booleans are told from numbers (`1` is not `true`, `true` is not `1`).
struct PresetReader {
    /// The file named in errors (`presets/daw.json` or a user path).
    let file: String

    func fail(_ field: String, _ reason: String) -> EnginePresetError {
        .invalidField(file: file, field: field, reason: reason)
    }

    /// `object[key]` read by `read`, or `fallback` when the key is absent; an absent key with no
    /// fallback (a built-in preset, or `name`) is an error. `null` is a value, not an absence.
    func field<T>(_ object: [String: Any], _ key: String, at prefix: String, fallback: T?,
                  _ read: (Any, String) throws -> T) throws -> T {
        let path = prefix + key
        guard let value = object[key] else {
            if let fallback { return fallback }
            throw fail(path, "missing")
        }
        return try read(value, path)
    }

    func object(_ value: Any, at path: String, known: [String]) throws -> [String: Any] {
        guard let object = value as? [String: Any] else {
            throw fail(path, "must be an object with the fields \(known.joined(separator: ", ")) (got \(Self.describe(value)))")
        }
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail(path == "(root)" ? unknown : "\(path).\(unknown)", "unknown field (expected \(known.joined(separator: ", ")))")
        }
        return object
    }

    /// Seconds: a finite number ≥ 0.
    func seconds(_ value: Any, at path: String) throws -> Double {
        try number(value, at: path, minimum: 0)
    }

    /// A finite number ≥ `minimum`.
    func number(_ value: Any, at path: String, minimum: Double) throws -> Double {
        guard let number = value as? NSNumber, !Self.isBool(number), number.doubleValue.isFinite, number.doubleValue >= minimum else {
            throw fail(path, "must be a number ≥ \(Self.format(minimum)) (got \(Self.describe(value)))")
        }
        return number.doubleValue
    }

    /// An integer in `range`; `meaning` says what the range is ("0…127", "0…16, 0 = every channel").
    func int(_ value: Any, at path: String, in range: ClosedRange<Int>, meaning: String) throws -> Int {
        guard let number = value as? NSNumber, !Self.isBool(number), let result = Int(exactly: number.doubleValue),
              range.contains(result) else {
            throw fail(path, "must be an integer \(meaning) (got \(Self.describe(value)))")
        }
        return result
    }

    func bool(_ value: Any, at path: String) throws -> Bool {
        guard let number = value as? NSNumber, Self.isBool(number) else {
            throw fail(path, "must be true or false (got \(Self.describe(value)))")
        }
        return number.boolValue
    }

    func string(_ value: Any, at path: String) throws -> String {
        guard let text = value as? String else { throw fail(path, "must be a string (got \(Self.describe(value)))") }
        return text
    }

    /// A string without surrounding space, line breaks or other control characters, not empty.
    func word(_ value: Any, at path: String, what: String) throws -> String {
        let text = try string(value, at: path)
        guard !text.isEmpty, text.trimmingCharacters(in: .whitespaces) == text,
              !text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw fail(path, "must be \(what): not empty, no surrounding spaces or control characters (got \(Self.describe(value)))")
        }
        return text
    }

    /// One of `options` (their JSON spellings), mapped by `make`.
    func choice<T>(_ value: Any, at path: String, options: [String], _ make: (String) -> T?) throws -> T {
        guard let text = value as? String, let result = make(text) else {
            throw fail(path, "must be \(Self.list(options)) (got \(Self.describe(value)))")
        }
        return result
    }

    /// The keys of a JSON object that stand for MIDI numbers ("36"), as integers 0…127: decimal
    /// digits only, no sign or leading zero. Sorted, so that errors come in a stable order.
    func midiNumbers(_ object: [String: Any], at path: String, what: String) throws -> [(number: Int, key: String)] {
        try object.keys.map { key -> (number: Int, key: String) in
            guard let number = Int(key), String(number) == key, (0...127).contains(number) else {
                throw fail("\(path).\(key)", "\(what) must be 0…127, written as a decimal string such as \"36\"")
            }
            return (number, key)
        }.sorted { $0.number < $1.number }
    }

    /// JSON `true`/`false` arrive as boolean NSNumbers (objCType "c"), never made by a JSON number.
    static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// A JSON value as a message shows it: strings quoted, numbers and booleans as written.
    static func describe(_ value: Any) -> String {
        switch value {
        case let text as String: return "\"\(text)\""
        case let number as NSNumber: return isBool(number) ? (number.boolValue ? "true" : "false") : format(number.doubleValue)
        case is NSNull: return "null"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(type(of: value))"
        }
    }

    /// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
    static func list(_ options: [String]) -> String {
        let quoted = options.map { "\"\($0)\"" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
    }

    /// `2` for 2.0, `0.25` for 0.25.
    static func format(_ number: Double) -> String {
        if number.rounded() == number, number.magnitude < 1e15 { return String(Int(number)) }
        return String(number)
    }
}
