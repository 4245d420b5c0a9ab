import ArgumentParser
import Foundation
import Guardrails
import OmniBark

/// `omnibark guard coverage`: blocked % of disguised policy terms and false positives on benign text.
struct GuardCoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Measure the policy: blocked % of its terms in disguise, false positives per thousand benign lines.",
        discussion: """
        Every term of the policy is disguised by each transformation (case, fullwidth, invisible \
        characters, diacritics, confusables, digit/symbol substitutes, spaced, punctuated, \
        repeated letters, and several combined), put in a carrier sentence of its language and \
        checked. Benign text: OmniBark's built-in sentences (en, de, fr, es) and each --benign \
        file (one text per line, e.g. /usr/share/dict/american-english from Debian's wamerican).

        Example:
          omnibark guard coverage --benign /usr/share/dict/american-english --benign /usr/share/dict/ngerman
        """)

    @OptionGroup var policyOptions: PolicyOptions

    @Option(help: ArgumentHelp("A benign text file, one text per line; repeatable.", valueName: "file"))
    var benign: [String] = []

    func run() throws {
        let guardrail = try policyOptions.guardrail()
        var sets: [(name: String, lines: [String])] = BenignSentences.byLanguage.keys.sorted().map {
            (name: "built-in sentences (\($0))", lines: BenignSentences.byLanguage[$0] ?? [])
        }
        for path in benign {
            let text = try UTF8Text.read(path: path)
            sets.append((name: path, lines: text.split(whereSeparator: \.isNewline).map(String.init)))
        }
        let report = try CoverageReport.measure(guardrail, benignSets: sets)
        print(report.table)
    }
}
