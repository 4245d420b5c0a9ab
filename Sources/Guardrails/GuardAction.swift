/// What a policy category does with text that matches it.
public enum GuardAction: String, Sendable, Equatable, CaseIterable, Comparable {
    /// Nothing is generated: the CLI exits with status 3, HTTP answers 422.
    case refuse
    /// The matched span is replaced by the policy's bleep text before generation.
    case bleep
    /// The text is generated unchanged; the category (never the text) is logged.
    case log

    /// Accepts `refuse`, `bleep`, and `log` / `log only` / `log-only` / `logOnly`.
    public init?(name: String) {
        switch name.lowercased() {
        case "refuse": self = .refuse
        case "bleep": self = .bleep
        case "log", "log only", "log-only", "log_only", "logonly": self = .log
        default: return nil
        }
    }

    /// Severity order: refuse before bleep before log.
    public static func < (a: GuardAction, b: GuardAction) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .refuse: return 0
        case .bleep: return 1
        case .log: return 2
        }
    }
}
