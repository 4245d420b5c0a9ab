import Checkpoints
import Foundation

extension CheckpointInspection {
    /// A human-readable summary, as `omnibark inspect` prints it.
    public func report() -> String {
        var lines: [String] = []
        lines.append("Model: \(url.path)")
        lines.append("Layout: \(layout.rawValue)")
        for file in files { lines.append("File: \(file.url.lastPathComponent) (\(file.format.rawValue))") }
        lines.append("")
        let header = ["stage", "layers", "heads", "hidden", "vocab in/out", "block", "bias", "parameters", "dtype"]
        var rows: [[String]] = [header]
        for s in stages {
            let c = s.configuration
            let dtype = s.dtypes.keys.map(\.rawValue).sorted().joined(separator: "+")
            rows.append([s.stage.rawValue, "\(c.layers)", "\(c.heads)", "\(c.hiddenSize)",
                         "\(c.inputVocabularySize)/\(c.outputVocabularySize)", "\(c.blockSize)",
                         c.bias ? "yes" : "no", Self.grouped(s.parameterCount), dtype.isEmpty ? "-" : dtype])
        }
        lines += Self.table(rows)
        if let fine = stages.first(where: { $0.stage == .fine }) {
            let c = fine.configuration
            lines.append("fine: \(c.codebooksTotal) codebooks, \(c.codebooksGiven) given; output heads "
                         + (fine.tied.isEmpty ? "stored in the file" : "tied to input embeddings (\(fine.tied.count) absent from the file)"))
        }
        let total = stages.reduce(0) { $0 + $1.parameterCount }
        lines.append("transformer parameters: \(Self.grouped(total))")
        if codecTensorCount > 0 {
            lines.append("codec (EnCodec): \(codecTensorCount) tensors, \(Self.grouped(codecParameterCount)) parameters")
        }
        lines.append("")
        var problems = 0
        for s in stages {
            for name in s.missing { lines.append("missing   \(s.stage.rawValue): \(name)"); problems += 1 }
            for m in s.misshapen {
                lines.append("shape     \(s.stage.rawValue): \(m.name) is \(m.actual), expected \(m.expected)"); problems += 1
            }
            for name in s.unexpected { lines.append("unexpected \(s.stage.rawValue): \(name)"); problems += 1 }
        }
        for name in strayTensors { lines.append("unexpected: \(name) (belongs to no stage)"); problems += 1 }
        lines.append(problems == 0 ? "All expected tensors present with the right shapes; nothing unexpected."
                                   : "\(problems) problem(s) found.")
        return lines.joined(separator: "\n")
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = (0..<first.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}
