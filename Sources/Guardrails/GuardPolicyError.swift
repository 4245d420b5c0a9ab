/// Why a policy file was rejected; each case names the file and, where there is one, the field
/// (a JSON path such as `categories[1].terms.en[3]`).
public enum GuardPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case malformedJSON(file: String, reason: String)
    case invalidField(file: String, field: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read the guard policy: \(reason)"
        case let .malformedJSON(file, reason): return "\(file): the guard policy is not valid JSON: \(reason)"
        case let .invalidField(file, field, reason): return "\(file): field '\(field)': \(reason)"
        }
    }
}
