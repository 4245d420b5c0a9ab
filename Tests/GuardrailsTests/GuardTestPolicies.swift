@testable import Guardrails

/// Small policies for the tests.
enum GuardTestPolicies {
    /// One category "test" with `terms` in English.
    static func guardrail(_ terms: [String], action: GuardAction = .refuse) throws -> Guardrail {
        try Guardrail(policy: GuardPolicy(categories: [GuardCategory(name: "test", action: action, terms: ["en": terms])]))
    }

    /// Whether `text` matches category "test" of `guardrail`.
    static func matches(_ guardrail: Guardrail, _ text: String) throws -> Bool {
        try guardrail.check(text).matches.contains { $0.category == "test" }
    }
}
