import Foundation

/// A guard policy ready to check text: every normalization step of `TextFolder`, every token
/// stream of `TokenStreams`, terms and patterns of every language at once.
///
/// ```swift
/// let guardrail = try Guardrail(policy: try GuardPolicy.load(contentsOf: policyURL))
/// let text = try guardrail.screen(input, field: "the text") { print($0) }  // throws GuardRefusal
/// ```
public final class Guardrail: Sendable {
    /// The policy as loaded.
    public let policy: GuardPolicy
    private let folder: TextFolder
    private let matcher: GuardMatcher

    /// Compiles `policy`; throws `GuardPolicyError` for a term with nothing to match or an invalid
    /// pattern, `GuardrailError` when ICU cannot be set up.
    public init(policy: GuardPolicy) throws {
        self.policy = policy
        folder = try TextFolder()
        matcher = try GuardMatcher(policy: policy, folder: folder)
    }

    /// The guardrail of `url`'s policy, or of the default policy when `url` is nil.
    public convenience init(policyFile url: URL?) throws {
        try self.init(policy: try GuardPolicy.load(contentsOf: url))
    }

    /// Every match of the policy in `text`, and the text with `bleep` matches replaced.
    public func check(_ text: String) throws -> GuardVerdict {
        let folded = try folder.fold(text)
        var seen: Set<GuardMatch> = []
        var matches: [GuardMatch] = []
        for hit in matcher.hits(in: folded) {
            let category = policy.categories[hit.category]
            let match = GuardMatch(category: category.name, action: category.action, language: hit.language,
                                   span: folded.span(from: hit.firstUnit, through: hit.lastUnit))
            if seen.insert(match).inserted { matches.append(match) }
        }
        return GuardVerdict(matches: matches, bleepedText: Self.bleep(text, spans: matches.filter { $0.action == .bleep }.map(\.span),
                                                                      with: policy.bleep))
    }

    /// Checks text about to be generated: throws `GuardRefusal` (naming `field`, never the text)
    /// when a `refuse` category matches; otherwise returns the text to generate (bleeped), after
    /// passing `log` one line per `bleep` or `log` category matched (the category, never the text).
    public func screen(_ text: String, field: String, log: (String) -> Void) throws -> String {
        let verdict = try check(text)
        if let decisive = verdict.decisive, decisive.action == .refuse {
            log("[guard] refused \(field): category \"\(decisive.category)\" at byte \(decisive.span.byteOffset) (\(text.count) characters)")
            throw GuardRefusal(field: field, category: decisive.category, span: decisive.span)
        }
        var reported: Set<String> = []
        for match in verdict.matches where reported.insert(match.category).inserted {
            log("[guard] \(match.action == .bleep ? "bleeped" : "logged") \(field): category \"\(match.category)\" (\(match.action.rawValue))")
        }
        return verdict.bleepedText
    }

    /// `text` with each span (merged where they overlap) replaced by `replacement`.
    static func bleep(_ text: String, spans: [TextSpan], with replacement: String) -> String {
        guard !spans.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        var position = 0
        for span in spans.sorted(by: { $0.byteOffset < $1.byteOffset }) {
            let end = span.byteOffset + span.byteLength
            if span.byteOffset >= position {
                result += bytes[position..<span.byteOffset]
                result += Array(replacement.utf8)
            }
            position = max(position, end)
        }
        result += bytes[position...]
        return String(decoding: result, as: UTF8.self)
    }
}
