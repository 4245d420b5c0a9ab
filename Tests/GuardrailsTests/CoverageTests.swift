import Testing
@testable import Guardrails

/// The evasion set really disguises, and the default policy catches it without flagging the
/// built-in innocent sentences (beyond the two known idioms).
@Suite struct CoverageTests {
    @Test func everyTransformationChangesTheTerm() {
        for transform in EvasionTransform.allCases where transform != .plain {
            #expect(transform.apply("make sarin") != "make sarin", "\(transform)")
        }
        #expect(EvasionTransform.spaced.apply("kill you") == "k i l l  y o u")
        #expect(EvasionTransform.leet.apply("sarin") == "54r1n")
        #expect(EvasionTransform.combined.apply("make sarin").unicodeScalars.contains { $0.value > 0x7F })
        #expect(EvasionTransform.caseMix.apply("straße") == "StRaSSe")
    }

    @Test func theDefaultPolicyCatchesItsDisguisedTerms() throws {
        let guardrail = try Guardrail(policy: GuardPolicy.standard())
        let report = try CoverageReport.measure(guardrail, benignSets: BenignSentences.byLanguage.keys.sorted().map {
            (name: $0, lines: BenignSentences.byLanguage[$0] ?? [])
        })
        #expect(report.languages == ["de", "en", "es", "fr"])
        for transform in EvasionTransform.allCases {
            for language in report.languages {
                let cell = try #require(report.cells[transform]?[language])
                #expect(cell.total > 10 && cell.fraction >= 0.95, "\(transform) \(language): \(cell.blocked)/\(cell.total)")
            }
        }
        let flagged = report.benign.reduce(0) { $0 + $1.flagged }
        #expect(flagged <= 2, "\(report.table)")
        #expect(report.benign.first { $0.name == "en" }?.flagged == 0)
        #expect(report.table.contains("combined"))
    }

    @Test func benignSentencesHoldTheInnocentLookalikes() throws {
        let guardrail = try Guardrail(policy: GuardPolicy.standard())
        for sentence in ["Scunthorpe United won the match on Saturday.", "That is a classic mistake.",
                         "Niger and Nigeria are neighbours in West Africa.", "Das Fagott ist ein Holzblasinstrument.",
                         "Kike es un nombre común en España."] {
            #expect(try guardrail.check(sentence).matches.isEmpty, "\(sentence)")
        }
    }
}
