import Foundation
import Testing
@testable import Checkpoints

/// JSON errors in one line of words: where the document or field is wrong, never a
/// `Swift.DecodingError.Context(…)` or NSError dump.
@Suite struct DecodingErrorTextTests {
    static let rawMarkers = ErrorMessageTests.rawMarkers + ["DecodingError", "Context(", "codingPath"]

    private struct Row: Decodable { let size: Int64 }

    static func expectInWords(_ text: String, _ source: Testing.SourceLocation = #_sourceLocation) {
        for marker in rawMarkers { #expect(!text.contains(marker), "\(text)", sourceLocation: source) }
    }

    @Test func syntaxErrorsSayWhere() {
        var reasons: [String] = []
        let broken = Data("{\n  \"a\": }".utf8)
        do { _ = try JSONSerialization.jsonObject(with: broken) } catch { reasons.append(DecodingErrorText.syntax(error)) }
        do { _ = try JSONDecoder().decode([Row].self, from: broken) } catch {
            reasons.append(DecodingErrorText.describe(error, document: broken))
        }
        #expect(reasons.count == 2)
        for reason in reasons {
            #expect(reason.contains("character 9"), "\(reason)")
            Self.expectInWords(reason)
        }
    }

    @Test func typeAndKeyErrorsNameTheField() {
        var reasons: [String] = []
        for json in [#"[{"size": 1}, {"size": "big"}]"#, #"[{"size": 1}, {}]"#, #"{"size": 1}"#] {
            do { _ = try JSONDecoder().decode([Row].self, from: Data(json.utf8)) } catch { reasons.append(DecodingErrorText.describe(error)) }
        }
        #expect(reasons.count == 3)
        #expect(reasons.first == "[1].size: expected Int64", "\(reasons)")
        #expect(reasons.dropFirst().first == "[1]: missing key 'size'", "\(reasons)")
        #expect(reasons.last?.hasPrefix("top level: expected") == true, "\(reasons)")
        reasons.forEach { Self.expectInWords($0) }
    }

    @Test func checkpointJSONNamesFileAndPlace() {
        do {
            _ = try CheckpointValue.parseJSON(Data("{\"n_layer\": 2,\n \"n_head\": }".utf8), file: "config.json")
            Issue.record("accepted malformed JSON")
        } catch {
            let message = ErrorMessage.describe(error)
            #expect(message.contains("config.json") && message.contains("around character 26"), "\(message)")  // the '}' where a value belongs
            Self.expectInWords(message)
        }
    }
}
