import Foundation

extension WatermarkEvaluation.Report {
    /// The report as Markdown: a summary list, then one table row per attack.
    public func markdown() -> String {
        func percent(_ part: Int, _ whole: Int) -> String { whole > 0 ? String(format: "%.1f %%", 100 * Double(part) / Double(whole)) : "–" }
        func median(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.sorted()[values.count / 2] }
        let total = unmarkedTotal
        var lines = [
            String(format: "- corpus: %.0f s of speech (espeak-ng, flite, extra files) marked; %.0f s of synthetic babble, noise and tones unmarked only",
                   speechSeconds, otherSeconds),
            String(format: "- SI-SNR of marked speech: min %.1f dB, median %.1f dB (%d items); babble, noise and tones: min %.1f dB",
                   speechSISNR.min() ?? .nan, median(speechSISNR), speechSISNR.count, otherSISNR.min() ?? .nan),
            String(format: "- embedding cost: %.2f %% of one core (thread CPU time over audio time, streamed in 40 ms chunks)", embeddingCost * 100),
            String(format: "- detection: %.0f s excerpts at random offsets, threshold false-alarm probability ≤ %.0e over %d alignments",
                   settings.excerptSeconds, settings.threshold, alignmentCount)
                + (detectionScores.nominal.map { String(format: " (score ≥ %.2f at speed 1", $0) } ?? "")
                + (detectionScores.other.map { String(format: detectionScores.nominal == nil ? " (score ≥ %.2f" : ", ≥ %.2f at the other speeds", $0) } ?? "")
                + (detectionScores.nominal == nil && detectionScores.other == nil ? "" : ")"),
            "- false positives, all unmarked excerpts: \(total.falsePositives) of \(total.excerpts) (\(percent(total.falsePositives, total.excerpts)))",
            "",
            "| attack | detected (marked excerpts) | false positives (unmarked excerpts) | median score |",
            "|---|---|---|---|",
        ]
        for row in rows {
            lines.append("| \(row.attack) | \(percent(row.detected, row.marked)) (\(row.detected)/\(row.marked)) | "
                + "\(percent(row.falsePositives, row.unmarked)) (\(row.falsePositives)/\(row.unmarked)) | "
                + String(format: "%.1f |", row.medianScore))
        }
        return lines.joined(separator: "\n")
    }
}
