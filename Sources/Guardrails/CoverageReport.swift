import Foundation

/// How well a guardrail catches its own policy's terms in disguise, and how often it flags
/// innocent text.
///
/// The evasion set: every term of every category, in every language, disguised by each
/// `EvasionTransform` and put in a carrier sentence of its language. A disguised term counts as
/// blocked when the verdict has a match of the term's category (whatever its action). The benign
/// sets: one text per line; a line counts as a false positive when anything matches.
public struct CoverageReport: Sendable {
    /// Blocked fraction (0…1) and sample count per transformation and language.
    public struct Cell: Sendable, Equatable {
        public var blocked: Int
        public var total: Int
        public var fraction: Double { total == 0 ? 0 : Double(blocked) / Double(total) }
    }

    /// A benign set's result.
    public struct Benign: Sendable, Equatable {
        public var name: String
        public var lines: Int
        public var flagged: Int
        public var perThousand: Double { lines == 0 ? 0 : Double(flagged) * 1000 / Double(lines) }
    }

    public var languages: [String]
    public var cells: [EvasionTransform: [String: Cell]]
    public var benign: [Benign]

    /// Carrier sentences per language; languages without one use the English carrier.
    static let carriers: [String: (String, String)] = [
        "en": ("They said: ", ", and then they left."),
        "de": ("Er sagte: ", ", und dann ging er."),
        "fr": ("Il a dit : ", ", puis il est parti."),
        "es": ("Dijo: ", ", y luego se fue."),
    ]

    /// Measures `guardrail` against its own terms and against `benignSets` (name and lines).
    public static func measure(_ guardrail: Guardrail, benignSets: [(name: String, lines: [String])]) throws -> CoverageReport {
        var cells: [EvasionTransform: [String: Cell]] = [:]
        var languages: Set<String> = []
        for category in guardrail.policy.categories {
            for (language, terms) in category.terms {
                languages.insert(language)
                let (before, after) = carriers[language] ?? carriers["en"] ?? ("", "")
                for term in terms {
                    let bare = term.hasSuffix("*") ? String(term.dropLast()) : term
                    for transform in EvasionTransform.allCases {
                        let verdict = try guardrail.check(before + transform.apply(bare) + after)
                        let hit = verdict.matches.contains { $0.category == category.name }
                        var cell = cells[transform, default: [:]][language, default: Cell(blocked: 0, total: 0)]
                        cell.total += 1
                        if hit { cell.blocked += 1 }
                        cells[transform, default: [:]][language] = cell
                    }
                }
            }
        }
        var benign: [Benign] = []
        for set in benignSets {
            var result = Benign(name: set.name, lines: 0, flagged: 0)
            for line in set.lines where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                result.lines += 1
                if try !guardrail.check(line).matches.isEmpty { result.flagged += 1 }
            }
            benign.append(result)
        }
        return CoverageReport(languages: languages.sorted(), cells: cells, benign: benign)
    }

    /// The report as a plain-text table.
    public var table: String {
        var lines: [String] = []
        let header = "transformation".padding(toLength: 16, withPad: " ", startingAt: 0)
            + languages.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined() + "all"
        lines.append("blocked % of the policy's terms, disguised, in a carrier sentence")
        lines.append(header)
        for transform in EvasionTransform.allCases {
            guard let row = cells[transform] else { continue }
            var text = transform.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
            var blocked = 0, total = 0
            for language in languages {
                let cell = row[language] ?? Cell(blocked: 0, total: 0)
                blocked += cell.blocked
                total += cell.total
                text += String(format: "%.1f", cell.fraction * 100).padding(toLength: 9, withPad: " ", startingAt: 0)
            }
            text += String(format: "%.1f", total == 0 ? 0 : Double(blocked) * 100 / Double(total))
            lines.append(text)
        }
        let counts = languages.map { "\($0) \(cells[.plain]?[$0]?.total ?? 0)" }.joined(separator: ", ")
        lines.append("terms per language: \(counts)")
        lines.append("")
        lines.append("false positives per thousand benign lines")
        for set in benign {
            lines.append("\(set.name): " + String(format: "%.2f", set.perThousand) + " ‰ (\(set.flagged) of \(set.lines) lines flagged)")
        }
        return lines.joined(separator: "\n")
    }
}
