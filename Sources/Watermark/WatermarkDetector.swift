import Audio
import Foundation

/// Finds the mark of one key in a signal, with no reference to the original.
///
/// The detector measures log band powers on the embedder's cell grid (`WatermarkLayout`: 54
/// bands, cells of one STFT frame), whitens them (each cell minus the mean of its neighbours in
/// time and frequency, which removes the speech envelope but not the cell-to-cell mark), weights
/// each cell by how far its time neighbours stand above its band's noise floor, clips outliers at 2σ, folds the
/// cells onto the 48-cell period and correlates them with the key's sync signs. For any fixed
/// signal and a random key, that correlation is a Rademacher sum normalized by its own standard
/// deviation: on unmarked audio it is about N(0, 1) whatever the audio is, and Hoeffding's
/// inequality bounds its tail by exp(−z²/2) exactly. The search covers every cell phase (48),
/// two offsets within a cell (every 128 samples) and 25 speed factors (0.94–1.06 in steps of
/// 0.005: crops, resampling and speed changes), 2,400 alignments per search. The false-alarm
/// probability is a weighted union bound (weighted Bonferroni): the 96 alignments at the nominal
/// speed 1 — every edit that keeps the time scale, which is nearly all of them — share
/// `nominalSpeedShare` (90 %) of the budget, the 2,304 others the rest, so an alignment's bound
/// exp(−z²/2) is multiplied by its tier's size over its share (about 107 at speed 1, 23,040
/// elsewhere), the smallest such product over the search counts, and that is multiplied by the
/// number of searches (long signals are also searched in windows, see `detect`). Like a plain
/// union bound it never understates the chance of a false alarm; it only spends the budget where
/// marks are found. With one search, detection (≤ 1e-3) needs z ≥ 4.81 at speed 1 and z ≥ 5.82 at
/// another speed (a plain union bound over the 2,400 needed 5.42 everywhere).
/// At the best alignment the payload cells give the 24 coded bits; the payload is reported when
/// their CRC matches.
///
/// Thread safety: immutable; `detect` may run on any number of threads at once.
public struct WatermarkDetector: Sendable {
    /// Speed factors searched by default: 0.94…1.06 in steps of 0.005.
    public static let defaultSpeeds: [Double] = (-12...12).map { 1 + 0.005 * Double($0) }
    /// Detection threshold on the false-alarm probability.
    public static let defaultThreshold = 1e-3
    /// A second shows the mark when its own score reaches this (one-sided p ≈ 0.0013).
    public static let secondThreshold = 3.0
    /// Shortest signal worth searching (seconds).
    public static let minimumDuration = 0.5
    /// Share of the false-alarm budget spent on the alignments at speed 1 (the rest goes to the
    /// other speeds), when both are searched.
    public static let defaultNominalSpeedShare = 0.9

    private let pattern: WatermarkPattern
    /// Per cell: the sync sign, 0 on payload cells.
    private let syncSigns: [Double]
    /// Per cell: 1 on sync cells, else 0.
    private let syncMask: [Double]
    public let speeds: [Double]
    public let threshold: Double
    /// Share of the false-alarm budget of the speed-1 alignments (1 when only speed 1 is searched,
    /// 0 when it is not searched).
    public let nominalSpeedShare: Double

    /// - Parameters:
    ///   - speeds: speed factors to search (1 = as made; 1.05 = played 5 % fast); each in 0.5…2.
    ///   - threshold: the largest false-alarm probability still reported as detected.
    ///   - nominalSpeedShare: share of the false-alarm budget given to the alignments at speed 1
    ///     when other speeds are searched too (0 < share < 1; the alignments of a tier share
    ///     its part equally).
    public init(key: WatermarkKey, speeds: [Double] = defaultSpeeds, threshold: Double = defaultThreshold,
                nominalSpeedShare: Double = defaultNominalSpeedShare) {
        pattern = WatermarkPattern(key: key)
        syncMask = pattern.roles.map { $0 < 0 ? 1 : 0 }
        syncSigns = zip(syncMask, pattern.signs).map { $0 * Double($1) }
        self.speeds = speeds.isEmpty ? [1] : speeds.map { min(2, max(0.5, $0)) }
        self.threshold = threshold
        let nominal = self.speeds.filter { $0 == 1 }.count
        self.nominalSpeedShare = nominal == 0 ? 0 : nominal == self.speeds.count ? 1 : min(0.999, max(0.001, nominalSpeedShare))
    }

    /// Alignments tried per signal (speeds × sub-cell offsets × cell phases).
    public var alignmentCount: Int { speeds.count * Self.offsetsPerCell * WatermarkLayout.period }

    /// What one alignment's tail bound is multiplied by in the union bound: its tier's alignments
    /// over the tier's share of the budget (`alignmentCount` for every alignment when only one
    /// tier is searched).
    public func boundFactor(speed: Double) -> Double {
        let perSpeed = Double(Self.offsetsPerCell * WatermarkLayout.period)
        let nominal = Double(speeds.filter { $0 == 1 }.count)
        if speed == 1 { return nominal * perSpeed / nominalSpeedShare }
        return (Double(speeds.count) - nominal) * perSpeed / (1 - nominalSpeedShare)
    }

    /// The smallest score that is detected with one search: at speed 1, and at the other speeds.
    public var detectionScores: (nominal: Double?, other: Double?) {
        func score(_ factor: Double) -> Double { (2 * log(factor / threshold)).squareRoot() }
        return (nominalSpeedShare > 0 ? score(boundFactor(speed: 1)) : nil,
                nominalSpeedShare < 1 ? score(boundFactor(speed: speeds.first { $0 != 1 } ?? 1.05)) : nil)
    }

    /// Offsets searched within one cell: every half hop (128 samples).
    static var offsetsPerCell: Int { WatermarkLayout.framesPerCell * WatermarkLayout.hop / FineSpectrogram.hop }

    /// Looks for the mark in mono `samples` at `sampleRate` Hz (resampled to 24 kHz first).
    ///
    /// Signals up to 6 s are searched as a whole. Longer ones are searched as a whole and in 3 s
    /// windows every 1.5 s, because a recording may join several utterances (each restarts the
    /// pattern) or have gaps; the best of all searches decides, and the false-alarm probability
    /// counts every alignment of every search. The payload sums the payload cells of every search
    /// that alone passes the threshold. Costs about 15–40 ms per 3 s of audio on one core.
    public func detect(_ samples: [Float], sampleRate: Int) throws -> WatermarkDetection {
        let audio = sampleRate == WatermarkLayout.sampleRate ? samples
            : try StreamingResampler.resample(samples, from: Double(sampleRate), to: Double(WatermarkLayout.sampleRate))
        let rate = WatermarkLayout.sampleRate
        let duration = Double(audio.count) / Double(rate)
        var searches: [Search] = []
        if let whole = search(audio, start: 0, totalSeconds: duration) { searches.append(whole) }
        if duration > 2 * Self.windowSeconds {
            let window = Int(Self.windowSeconds * Double(rate))
            var starts = Array(stride(from: 0, through: audio.count - window, by: window / 2))
            if let last = starts.last, last + window < audio.count { starts.append(audio.count - window) }
            for start in starts {
                if let found = search(Array(audio[start..<start + window]), start: start, totalSeconds: duration) { searches.append(found) }
            }
        }
        guard let best = searches.min(by: { $0.bound < $1.bound }) else {
            return WatermarkDetection(detected: false, score: 0, falseAlarmProbability: 1, payload: nil, speed: 1,
                                      secondScores: [], markedSeconds: [])
        }
        let searchCount = Double(max(1, searches.count))
        func falseAlarm(_ search: Search) -> Double { min(1, searchCount * search.bound) }
        let detected = falseAlarm(best) <= threshold
        let passing = searches.filter { falseAlarm($0) <= threshold }
        var bitSums = [Double](repeating: 0, count: WatermarkPayload.codedBitCount)
        for found in passing.isEmpty ? [best] : passing {
            for i in bitSums.indices { bitSums[i] += found.bitSums[i] }
        }
        var seconds = [Double?](repeating: nil, count: max(1, Int(duration.rounded(.up))))
        for found in passing.isEmpty ? [best] : passing {
            for (index, score) in found.secondScores.enumerated() {
                guard let score else { continue }
                seconds[index] = max(seconds[index] ?? -.infinity, score)
            }
        }
        let marked = detected ? seconds.enumerated().compactMap { index, score in
            (score ?? -.infinity) >= Self.secondThreshold ? index : nil
        } : []
        return WatermarkDetection(detected: detected, score: best.score, falseAlarmProbability: falseAlarm(best),
                                  payload: WatermarkPayload(codedBits: bitSums.map { $0 > 0 }), speed: best.speed,
                                  secondScores: seconds, markedSeconds: marked)
    }

    /// Window length (s) of the windowed search of long signals.
    public static let windowSeconds = 3.0

    /// The best alignment of one search (the smallest weighted bound) and what it reads there.
    private struct Search {
        var score: Double
        /// Its tail bound times its tier's factor (`boundFactor`): this search's false-alarm bound.
        var bound: Double
        var speed: Double
        /// Per coded bit: the correlation of its cells at the best alignment.
        var bitSums: [Double]
        /// Per second of the whole signal: this search's score there (nil outside it).
        var secondScores: [Double?]
    }

    /// Searches every alignment of `audio` (24 kHz), which starts at sample `start` of a signal
    /// of `totalSeconds`; nil when it is too short or holds no signal.
    private func search(_ audio: [Float], start: Int, totalSeconds: Double) -> Search? {
        guard Double(audio.count) >= Self.minimumDuration * Double(WatermarkLayout.sampleRate) else { return nil }
        let low = Int((Double(WatermarkLayout.firstBin) - 0.5) * (speeds.min() ?? 1)) - 1
        let high = Int(((Double(WatermarkLayout.endBin) - 0.5) * (speeds.max() ?? 1)).rounded(.up)) + 2
        let spectrogram = FineSpectrogram(samples: audio, binRange: low..<high)
        var best: (score: Double, bound: Double, speed: Double, offset: Double, phase: Int)?
        var features = CellFeatures()
        for speed in speeds {
            let factor = boundFactor(speed: speed)
            for offset in (0..<Self.offsetsPerCell).map({ Double($0) / speed }) {
                features.measure(spectrogram, speed: speed, offset: offset)
                guard let folded = features.foldedWhitened() else { continue }
                let squares = folded.map { $0 * $0 }
                for phase in 0..<WatermarkLayout.period {
                    guard let score = syncScore(folded, squares: squares, phase: phase) else { continue }
                    let bound = factor * RademacherTail.bound(above: score)
                    // The same bound at another tier (e.g. both underflow to 0): the higher score.
                    if best.map({ bound < $0.bound || bound == $0.bound && score > $0.score }) ?? true {
                        best = (score, bound, speed, offset, phase)
                    }
                }
            }
        }
        guard let best else { return nil }
        features.measure(spectrogram, speed: best.speed, offset: best.offset)
        guard let folded = features.foldedWhitened() else { return nil }
        let seconds = features.secondScores(pattern: pattern, phase: best.phase, speed: best.speed, offset: best.offset,
                                            startSeconds: Double(start) / Double(WatermarkLayout.sampleRate), totalSeconds: totalSeconds)
        return Search(score: best.score, bound: best.bound, speed: best.speed, bitSums: bitSums(folded, phase: best.phase), secondScores: seconds)
    }

    /// Normalized correlation of the folded cells with the sync signs when detector cell phase c
    /// is embedder cell phase (c + phase) mod `WatermarkLayout.period`.
    private func syncScore(_ folded: [Double], squares: [Double], phase: Int) -> Double? {
        let bands = WatermarkLayout.bandCount
        var correlation = 0.0
        var energy = 0.0
        folded.withUnsafeBufferPointer { values in
            squares.withUnsafeBufferPointer { squared in
                syncSigns.withUnsafeBufferPointer { signs in
                    syncMask.withUnsafeBufferPointer { mask in
                        for c in 0..<WatermarkLayout.period {
                            let row = ((c + phase) % WatermarkLayout.period) * bands
                            let cell = c * bands
                            for b in 0..<bands {
                                correlation += signs[row + b] * values[cell + b]
                                energy += mask[row + b] * squared[cell + b]
                            }
                        }
                    }
                }
            }
        }
        return energy > 0 ? correlation / energy.squareRoot() : nil
    }

    /// Per coded bit: the correlation of its payload cells with their signs at `phase`.
    private func bitSums(_ folded: [Double], phase: Int) -> [Double] {
        let bands = WatermarkLayout.bandCount
        var sums = [Double](repeating: 0, count: WatermarkPayload.codedBitCount)
        for c in 0..<WatermarkLayout.period {
            let row = ((c + phase) % WatermarkLayout.period) * bands
            for b in 0..<bands where pattern.roles[row + b] >= 0 {
                sums[Int(pattern.roles[row + b])] += Double(pattern.signs[row + b]) * folded[c * bands + b]
            }
        }
        return sums
    }
}
