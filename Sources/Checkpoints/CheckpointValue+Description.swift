/// Values print as the JSON (or Python literal) they came from — `[1, 2]`, `"gelu"`, `true` — so a
/// message such as "expected an integer, got [1]" shows the user's own text, never a Swift enum
/// dump. Long values are cut after 80 characters.
extension CheckpointValue: CustomStringConvertible {
    public var description: String {
        let text = rendered
        return text.count > 80 ? String(text.prefix(77)) + "…" : text
    }

    private var rendered: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .int(value): return String(value)
        case let .double(value): return String(value)
        case let .string(value): return "\"\(value)\""
        case let .array(values): return "[" + values.map(\.rendered).joined(separator: ", ") + "]"
        case let .dictionary(fields):
            return "{" + fields.keys.sorted().map { "\"\($0)\": \(fields[$0]?.rendered ?? "null")" }.joined(separator: ", ") + "}"
        }
    }
}
