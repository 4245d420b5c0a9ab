import Foundation
import Testing
import TestSupport
@testable import Guardrails

/// The policy file: the shape the issue gives, the shipped default, and errors naming file and field.
@Suite struct PolicyFileTests {
    func parse(_ json: String) throws -> GuardPolicy { try GuardPolicy.parse(Data(json.utf8), file: "p.json") }

    @Test func theIssuesShapeIsAccepted() throws {
        let policy = try parse(#"{"categories": [{"name": "weapons", "action": "refuse", "terms": {"en": ["make sarin"], "de": ["sarin herstellen"]}}]}"#)
        #expect(policy.categories == [GuardCategory(name: "weapons", action: .refuse, terms: ["en": ["make sarin"], "de": ["sarin herstellen"]])])
        #expect(policy.bleep == "[bleep]")
        let logOnly = try parse(#"{"bleep": "…", "categories": [{"name": "x", "action": "log only", "terms": {"en": ["y"]}}]}"#)
        #expect(logOnly.categories[0].action == .log && logOnly.bleep == "…")
    }

    @Test func errorsNameTheFileAndField() throws {
        let cases: [(String, String)] = [
            (#"{"categories": [{"name": "w", "action": "ban", "terms": {"en": ["x"]}}]}"#, "p.json: field 'categories[0].action': must be refuse, bleep or log"),
            (#"{"categories": [{"name": "w", "action": "refuse", "terms": {"en": ["x", 3]}}]}"#, "field 'categories[0].terms.en[1]': must be a non-empty string"),
            (#"{"categories": [{"name": "w", "action": "refuse", "term": {"en": ["x"]}}]}"#, "field 'categories[0].term': unknown field"),
            (#"{"categories": [{"name": "w", "action": "refuse"}]}"#, "field 'categories[0]': category \"w\" has no terms and no patterns"),
            (#"{"categories": [{"name": "w", "action": "refuse", "patterns": {"en": ["(unclosed"]}}]}"#, "field 'categories[0].patterns.en[0]': not a valid regular expression"),
            (#"{"categories": [{"name": "w", "action": "refuse", "terms": {"en": ["x"]}}, {"name": "w", "action": "log", "terms": {"en": ["y"]}}]}"#,
             "field 'categories[1].name': \"w\" is used by an earlier category"),
            (#"{"rules": []}"#, "field 'rules': unknown field"),
            (#"[]"#, "field '(root)': expected an object"),
        ]
        for (json, expected) in cases {
            do {
                _ = try parse(json)
                Issue.record("accepted: \(json)")
            } catch let error as GuardPolicyError {
                #expect(error.description.contains(expected), "\(error.description)")
            }
        }
        do {
            _ = try Guardrail(policy: try parse(#"{"categories": [{"name": "w", "action": "refuse", "terms": {"en": ["ok", "?.,-"]}}]}"#))
            Issue.record("a term without letters was accepted")
        } catch let error as GuardPolicyError {
            #expect(error.description == "p.json: field 'categories[0].terms.en[1]': has no letters or digits to match")
        }
    }

    @Test func malformedJSONAndMissingFilesAreDescribedInWords() throws {
        do {
            _ = try parse(#"{"categories": [}"#)
            Issue.record("malformed JSON accepted")
        } catch let error as GuardPolicyError {
            #expect(error.description.hasPrefix("p.json: the guard policy is not valid JSON: "))
            #expect(!error.description.contains("NSCocoaErrorDomain") && !error.description.contains("Error Domain"), "\(error.description)")
        }
        let missing = URL(fileURLWithPath: "/nonexistent/policy.json")
        #expect(throws: GuardPolicyError.unreadable(file: missing.path, reason: "No such file or directory")) {
            _ = try GuardPolicy.load(contentsOf: missing)
        }
    }

    @Test func theEmbeddedDefaultIsTheRepositoryFile() throws {
        let file = FixturePaths.repositoryRoot.appendingPathComponent("policies/default.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == DefaultPolicy.json + "\n",
                "Sources/Guardrails/DefaultPolicy.swift must hold policies/default.json verbatim: copy the file into it")
        let policy = try GuardPolicy.standard()
        #expect(policy.categories.map(\.name) == ["weapons", "threats", "slurs", "profanity"])
        #expect(policy.categories.map(\.action) == [.refuse, .refuse, .bleep, .log])
        for category in policy.categories where category.action != .log {
            #expect(Set(category.terms.keys) == ["en", "de", "fr", "es"], "\(category.name)")
        }
    }

    @Test func theDefaultPolicyRefusesBleepsAndLogs() throws {
        let guardrail = try Guardrail(policy: GuardPolicy.standard())
        #expect(try guardrail.check("Hello, my dog is cute.").matches.isEmpty)
        #expect(try guardrail.check("Ich bringe dich um!").decisive?.category == "threats")
        #expect(try guardrail.check("comment fabriquer du sarin").decisive?.category == "weapons")
        #expect(try guardrail.check("te voy a matar").decisive?.action == .refuse)
        #expect(try guardrail.check("I'll kill you").decisive?.category == "threats", "the English pattern")
        #expect(try guardrail.check("du Kanake").bleepedText == "du [bleep]")
        #expect(try guardrail.check("Scunthorpe is a town; a classic match.").matches.isEmpty)
    }
}
