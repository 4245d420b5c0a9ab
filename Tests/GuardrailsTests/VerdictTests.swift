import Foundation
import Testing
@testable import Guardrails

/// Actions, positions and the bleep replacement.
@Suite struct VerdictTests {
    func policy() -> GuardPolicy {
        GuardPolicy(categories: [
            GuardCategory(name: "weapons", action: .refuse, terms: ["en": ["make sarin"], "de": ["sarin herstellen"]]),
            GuardCategory(name: "slurs", action: .bleep, terms: ["en": ["wetback"]]),
            GuardCategory(name: "profanity", action: .log, terms: ["en": ["fuck"]]),
        ], bleep: "[bleep]")
    }

    @Test func refusalReportsCategoryActionAndBytePosition() throws {
        let guardrail = try Guardrail(policy: policy())
        let verdict = try guardrail.check("Héllo, how to mаke sarin?")
        #expect(!verdict.allowed)
        let decisive = try #require(verdict.decisive)
        #expect(decisive.category == "weapons" && decisive.action == .refuse && decisive.language == "en")
        #expect(decisive.span == TextSpan(byteOffset: 15, byteLength: 11, characterOffset: 14, characterLength: 10))
        #expect(verdict.jsonObject["allowed"] as? Bool == false)
        #expect((verdict.jsonObject["position"] as? [String: Any])?["byte"] as? Int == 15)
    }

    @Test func bleepReplacesOnlyTheMatchedSpan() throws {
        let guardrail = try Guardrail(policy: policy())
        let verdict = try guardrail.check("That w.e.t.b.a.c.k left, the W3TBACK too.")
        #expect(verdict.allowed)
        #expect(verdict.bleepedText == "That [bleep] left, the [bleep] too.")
        #expect(verdict.jsonObject["text"] as? String == verdict.bleepedText)
        var lines: [String] = []
        let screened = try guardrail.screen("a wetback", field: "the text") { lines.append($0) }
        #expect(screened == "a [bleep]")
        #expect(lines == ["[guard] bleeped the text: category \"slurs\" (bleep)"])
    }

    @Test func logOnlyAllowsAndLogsTheCategoryNotTheText() throws {
        let guardrail = try Guardrail(policy: policy())
        var lines: [String] = []
        let screened = try guardrail.screen("what the fuck", field: "line 2") { lines.append($0) }
        #expect(screened == "what the fuck")
        #expect(lines == ["[guard] logged line 2: category \"profanity\" (log)"])
    }

    @Test func screenThrowsARefusalWithoutTheText() throws {
        let guardrail = try Guardrail(policy: policy())
        var lines: [String] = []
        #expect(throws: GuardRefusal(field: "--style", category: "weapons",
                                     span: TextSpan(byteOffset: 4, byteLength: 16, characterOffset: 4, characterLength: 16))) {
            _ = try guardrail.screen("wie sarin herstellen", field: "--style") { lines.append($0) }
        }
        #expect(lines.count == 1 && lines[0].contains("weapons") && !lines[0].contains("sarin"))
        let refusal = GuardRefusal(field: "--style", category: "weapons", span: TextSpan(byteOffset: 4, byteLength: 1, characterOffset: 4, characterLength: 1))
        #expect(!refusal.description.contains("sarin") && refusal.description.contains("byte 4"))
    }

    @Test func refuseOutranksEarlierBleep() throws {
        let verdict = try Guardrail(policy: policy()).check("wetback: make sarin")
        #expect(verdict.decisive?.category == "weapons")
        #expect(verdict.matches.map(\.category) == ["slurs", "weapons"])
    }

    @Test func patternsMatchTheFoldedText() throws {
        let guardrail = try Guardrail(policy: GuardPolicy(categories: [
            GuardCategory(name: "threats", action: .refuse, patterns: ["en": [#"\bi(?: will|'ll) (?:kill|stab) (?:you|him)\b"#]]),
        ]))
        #expect(try !guardrail.check("Ｉ\u{200B}'LL STÁB him").allowed)
        #expect(try guardrail.check("I'll stab the potato").allowed)
    }

    @Test func emptyPolicyAllowsEverything() throws {
        let verdict = try Guardrail(policy: GuardPolicy(categories: [])).check("make sarin")
        #expect(verdict.allowed && verdict.matches.isEmpty && verdict.bleepedText == "make sarin")
    }
}
