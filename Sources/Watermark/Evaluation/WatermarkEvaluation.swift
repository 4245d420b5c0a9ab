import Audio
import Dispatch
import Foundation

/// The robustness evaluation behind `omnibark watermark eval`: mark the corpus's speech, run each
/// attack on the marked speech and on the unmarked material, cut random excerpts from both, and
/// count detections; plus the SI-SNR of every marked item and the embedder's CPU cost.
public enum WatermarkEvaluation {
    public struct Settings: Sendable {
        /// Marked excerpts per attack.
        public var markedExcerpts = 200
        /// Unmarked excerpts per attack.
        public var unmarkedExcerpts = 200
        /// Unmarked excerpts of the unedited material (the headline false-positive rate).
        public var cleanUnmarkedExcerpts = 10_000
        /// Excerpt length in seconds.
        public var excerptSeconds = 3.0
        public var seed: UInt64 = 1
        /// Detection threads.
        public var threads = 2
        public var threshold = WatermarkDetector.defaultThreshold
        /// The detector's share of the false-alarm budget for the speed-1 alignments.
        public var nominalSpeedShare = WatermarkDetector.defaultNominalSpeedShare
        public init() {}
    }

    public struct Row: Sendable {
        public let attack: String
        public let summary: String
        public let detected: Int
        public let marked: Int
        public let falsePositives: Int
        public let unmarked: Int
        /// Median payload-free score of the marked excerpts.
        public let medianScore: Double
    }

    public struct Report: Sendable {
        public let rows: [Row]
        /// SI-SNR (dB) of each marked speech item against its original.
        public let speechSISNR: [Double]
        /// SI-SNR (dB) of marked noise and tones (marked only for this measure).
        public let otherSISNR: [Double]
        /// Embedding CPU time over audio duration (fraction of one core), streaming in 40 ms chunks.
        public let embeddingCost: Double
        public let speechSeconds: Double
        public let otherSeconds: Double
        public let settings: Settings
        public let alignmentCount: Int
        /// Smallest detected score of one search at speed 1 and at the other speeds.
        public let detectionScores: (nominal: Double?, other: Double?)

        /// All unmarked excerpts and the false positives among them.
        public var unmarkedTotal: (falsePositives: Int, excerpts: Int) {
            (rows.reduce(0) { $0 + $1.falsePositives }, rows.reduce(0) { $0 + $1.unmarked })
        }
    }

    /// Runs the evaluation; `log` gets a line per stage. Blocks the calling thread (detection runs
    /// on `settings.threads` threads).
    public static func run(corpus: EvaluationCorpus, attacks: [EvaluationAttack], key: WatermarkKey, settings: Settings,
                           log: (String) -> Void) throws -> Report {
        let watermark = WatermarkSettings(key: key, modelID: 1, session: 42)
        let gap = [Float](repeating: 0, count: WatermarkLayout.sampleRate / 4)
        var unmarkedSpeech: [Float] = []
        var other: [Float] = []
        var speechRanges: [Range<Int>] = []
        var otherRanges: [Range<Int>] = []
        for item in corpus.items {
            if item.kind == .speech {
                speechRanges.append(unmarkedSpeech.count..<unmarkedSpeech.count + item.samples.count)
                unmarkedSpeech += item.samples + gap
            } else {
                otherRanges.append(other.count..<other.count + item.samples.count)
                other += item.samples + gap
            }
        }
        // The speech is marked as one stream (one long utterance), streamed in 40 ms chunks.
        // CPU time of this thread, so a busy machine does not inflate the cost.
        let start = threadCPUSeconds()
        let markedSpeech = streamEmbed(unmarkedSpeech, settings: watermark)
        let embeddingCost = (threadCPUSeconds() - start) / (Double(unmarkedSpeech.count) / Double(WatermarkLayout.sampleRate))
        let markedOther = streamEmbed(other, settings: watermark)
        func siSNR(_ original: [Float], _ marked: [Float], _ ranges: [Range<Int>]) -> [Double] {
            ranges.compactMap { SignalQuality.siSNR(reference: Array(original[$0]), estimate: Array(marked[$0])) }
        }
        let speechSISNR = siSNR(unmarkedSpeech, markedSpeech, speechRanges)
        let otherSISNR = siSNR(other, markedOther, otherRanges)
        log(String(format: "marked %.0f s of speech; embedding took %.2f %% of one core", Double(markedSpeech.count) / 24_000, embeddingCost * 100))
        let detector = WatermarkDetector(key: key, threshold: settings.threshold, nominalSpeedShare: settings.nominalSpeedShare)
        let unmarkedAll = unmarkedSpeech + other
        var rows: [Row] = []
        for (index, attack) in attacks.enumerated() {
            let seed = settings.seed &+ UInt64(index) &* 1000
            let markedScores = try scores(markedSpeech, attack: attack, count: settings.markedExcerpts, seed: seed,
                                          detector: detector, settings: settings)
            let unmarkedCount = attack.isIdentity ? settings.cleanUnmarkedExcerpts : settings.unmarkedExcerpts
            let unmarkedScores = try scores(unmarkedAll, attack: attack, count: unmarkedCount, seed: seed &+ 1,
                                            detector: detector, settings: settings)
            let sorted = markedScores.map(\.score).sorted()
            let row = Row(attack: attack.name, summary: attack.summary, detected: markedScores.filter(\.detected).count,
                          marked: markedScores.count, falsePositives: unmarkedScores.filter(\.detected).count,
                          unmarked: unmarkedScores.count, medianScore: sorted.isEmpty ? 0 : sorted[sorted.count / 2])
            log(String(format: "%@: detected %d/%d, false positives %d/%d, median score %.1f", attack.name, row.detected, row.marked,
                       row.falsePositives, row.unmarked, row.medianScore))
            rows.append(row)
        }
        return Report(rows: rows, speechSISNR: speechSISNR, otherSISNR: otherSISNR, embeddingCost: embeddingCost,
                      speechSeconds: Double(markedSpeech.count) / 24_000, otherSeconds: Double(other.count) / 24_000,
                      settings: settings, alignmentCount: detector.alignmentCount,
                      detectionScores: detector.detectionScores)
    }

    /// CPU seconds the calling thread has used.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// `WatermarkEmbedder` over `samples` in 960-sample (40 ms) chunks, as the engine streams.
    static func streamEmbed(_ samples: [Float], settings: WatermarkSettings) -> [Float] {
        let embedder = WatermarkEmbedder(settings: settings)
        var marked: [Float] = []
        marked.reserveCapacity(samples.count)
        var index = 0
        while index < samples.count {
            let end = min(samples.count, index + 960)
            marked += embedder.process(Array(samples[index..<end]))
            index = end
        }
        return marked + embedder.finish()
    }

    /// Detection results for `count` random excerpts of `source` after `attack`. The excerpts'
    /// windows (with 0.5 s of margin each side) are concatenated and attacked at once; each
    /// excerpt is then cut from the attacked compilation (positions scaled by its length, which
    /// follows resampling and speed changes).
    static func scores(_ source: [Float], attack: EvaluationAttack, count: Int, seed: UInt64, detector: WatermarkDetector,
                       settings: Settings) throws -> [WatermarkDetection] {
        let rate = WatermarkLayout.sampleRate
        let length = Int(settings.excerptSeconds * Double(rate))
        let margin = rate / 2
        let window = length + 2 * margin
        guard source.count > window, count > 0 else { return [] }
        var random = SeededRandom(seed: seed)
        let starts = (0..<count).map { _ in margin + Int(random.uniform(0, Double(source.count - window))) }
        if attack.isIdentity {
            return try scores(count: count, settings: settings) { index in
                try detector.detect(Array(source[starts[index]..<starts[index] + length]), sampleRate: rate)
            }
        }
        var compilation: [Float] = []
        compilation.reserveCapacity(count * window)
        for start in starts { compilation += source[start - margin..<start + length + margin] }
        let attacked = try attack.apply(compilation)
        let scale = Double(attacked.samples.count) / Double(compilation.count)
        let outputLength = Int(settings.excerptSeconds * Double(attacked.sampleRate))
        return try scores(count: count, settings: settings) { index in
            let first = Int((Double(index * window + margin) * scale).rounded())
            let end = min(attacked.samples.count, first + outputLength)
            return try detector.detect(Array(attacked.samples[min(first, end)..<end]), sampleRate: attacked.sampleRate)
        }
    }

    /// `detect(index)` for every index on `settings.threads` threads.
    static func scores(count: Int, settings: Settings, _ detect: @Sendable @escaping (Int) throws -> WatermarkDetection) throws -> [WatermarkDetection] {
        let results = ResultSlots(count: count)
        let threads = max(1, settings.threads)
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            for index in stride(from: worker, to: count, by: threads) {
                results.set(index, Result { try detect(index) })
            }
        }
        return try results.values.map { try $0.get() }
    }
}

/// Per-index results written by the detection workers.
///
/// Thread safety: `set` and `values` take a lock; each index is written once.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<WatermarkDetection, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<WatermarkDetection, any Error>) {
        lock.withLock { slots[index] = value }
    }

    var values: [Result<WatermarkDetection, any Error>] {
        lock.withLock { slots.compactMap { $0 } }
    }
}
