import Foundation

/// What a policy says about a text: every match, the one that decides, and the text to generate.
public struct GuardVerdict: Sendable, Equatable {
    /// Every match, in order of position.
    public var matches: [GuardMatch]
    /// The text with every `bleep` match replaced by the policy's bleep text (the text itself
    /// when nothing is bleeped).
    public var bleepedText: String

    public init(matches: [GuardMatch], bleepedText: String) {
        self.matches = matches
        self.bleepedText = bleepedText
    }

    /// The match that decides: the first of the most severe action (refuse, then bleep, then log).
    public var decisive: GuardMatch? {
        matches.min { ($0.action, $0.span.byteOffset) < ($1.action, $1.span.byteOffset) }
    }

    /// False when a `refuse` category matched.
    public var allowed: Bool { decisive?.action != .refuse }

    /// The JSON document `omnibark guard check` prints: `allowed`, and `category`, `action` and
    /// `position` of the deciding match (null when nothing matched), every match, and the bleeped
    /// text when something was bleeped.
    public var jsonObject: [String: Any] {
        func position(_ span: TextSpan) -> [String: Any] {
            ["byte": span.byteOffset, "bytes": span.byteLength, "character": span.characterOffset, "characters": span.characterLength]
        }
        var document: [String: Any] = ["allowed": allowed, "category": decisive?.category ?? NSNull(),
                                       "action": decisive?.action.rawValue ?? NSNull(),
                                       "position": decisive.map { position($0.span) } ?? NSNull()]
        document["matches"] = matches.map {
            ["category": $0.category, "action": $0.action.rawValue, "language": $0.language, "position": position($0.span)] as [String: Any]
        }
        if allowed && matches.contains(where: { $0.action == .bleep }) { document["text"] = bleepedText }
        return document
    }
}
