import Audio
import Foundation

/// Finds the mark of one key in a signal, with no reference to the original.
///
/// The detector measures log band powers on the embedder's frame grid, whitens them (each cell
/// minus the mean of its four neighbours in time and frequency, which removes the speech envelope
/// but not the cell-to-cell mark), weights each cell by how far it stands above its band's noise
/// floor, clips outliers at 2σ, folds the cells onto the 48-frame period and correlates them with
/// the key's sync signs. For any fixed signal and a random key, that correlation is a Rademacher
/// sum normalized by its own standard deviation, so on unmarked audio it is ~N(0, 1) whatever the
/// audio is. The search covers every frame phase (48), two sub-hop offsets and 25 speed factors
/// (0.94–1.06 in steps of 0.005: crops, resampling and speed changes), 2,400 alignments in all;
/// the false-alarm probability is the normal tail of the best score times 2,400 (Bonferroni).
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

    private let pattern: WatermarkPattern
    /// Per cell: the sync sign, 0 on payload cells and on the border bands (never whitened).
    private let syncSigns: [Double]
    /// Per cell: 1 on sync cells off the border bands, else 0.
    private let syncMask: [Double]
    public let speeds: [Double]
    public let threshold: Double

    /// - Parameters:
    ///   - speeds: speed factors to search (1 = as made; 1.05 = played 5 % fast); each in 0.5…2.
    ///   - threshold: the largest false-alarm probability still reported as detected.
    public init(key: WatermarkKey, speeds: [Double] = defaultSpeeds, threshold: Double = defaultThreshold) {
        pattern = WatermarkPattern(key: key)
        let bands = WatermarkLayout.bandCount
        let pattern = pattern
        syncMask = (0..<WatermarkLayout.cellCount).map { cell in
            pattern.roles[cell] < 0 && cell % bands != 0 && cell % bands != bands - 1 ? 1 : 0
        }
        syncSigns = zip(syncMask, pattern.signs).map { $0 * Double($1) }
        self.speeds = speeds.isEmpty ? [1] : speeds.map { min(2, max(0.5, $0)) }
        self.threshold = threshold
    }

    /// Alignments tried per signal (speeds × 2 sub-hop offsets × 48 phases).
    public var alignmentCount: Int { speeds.count * 2 * WatermarkLayout.period }

    /// Looks for the mark in mono `samples` at `sampleRate` Hz (resampled to 24 kHz first).
    /// Costs about 10–20 ms per 3 s of audio on one core.
    public func detect(_ samples: [Float], sampleRate: Int) throws -> WatermarkDetection {
        let audio = sampleRate == WatermarkLayout.sampleRate ? samples
            : try StreamingResampler.resample(samples, from: Double(sampleRate), to: Double(WatermarkLayout.sampleRate))
        let nothing = WatermarkDetection(detected: false, score: 0, falseAlarmProbability: 1, payload: nil, speed: 1,
                                         secondScores: [], markedSeconds: [])
        guard Double(audio.count) >= Self.minimumDuration * Double(WatermarkLayout.sampleRate) else { return nothing }
        let low = Int((Double(WatermarkLayout.firstBin) - 0.5) * (speeds.min() ?? 1)) - 1
        let high = Int(((Double(WatermarkLayout.endBin) - 0.5) * (speeds.max() ?? 1)).rounded(.up)) + 2
        let spectrogram = FineSpectrogram(samples: audio, binRange: low..<high)
        var best: (score: Double, speed: Double, offset: Double, phase: Int)?
        var features = CellFeatures()
        for speed in speeds {
            for offset in [0, 1 / speed] {
                features.measure(spectrogram, speed: speed, offset: offset)
                guard let folded = features.foldedWhitened() else { continue }
                let squares = folded.map { $0 * $0 }
                for phase in 0..<WatermarkLayout.period {
                    guard let score = syncScore(folded, squares: squares, phase: phase) else { continue }
                    if best == nil || score > best?.score ?? 0 { best = (score, speed, offset, phase) }
                }
            }
        }
        guard let best else { return nothing }
        let falseAlarm = min(1, Double(alignmentCount) * NormalTail.probability(above: best.score))
        let detected = falseAlarm <= threshold
        features.measure(spectrogram, speed: best.speed, offset: best.offset)
        let folded = features.foldedWhitened()
        let payload = folded.flatMap { decodePayload($0, phase: best.phase) }
        let seconds = features.secondScores(pattern: pattern, phase: best.phase, speed: best.speed, offset: best.offset,
                                            duration: Double(audio.count) / Double(WatermarkLayout.sampleRate))
        let marked = detected ? seconds.enumerated().compactMap { index, score in
            (score ?? -.infinity) >= Self.secondThreshold ? index : nil
        } : []
        return WatermarkDetection(detected: detected, score: best.score, falseAlarmProbability: falseAlarm,
                                  payload: payload, speed: best.speed, secondScores: seconds, markedSeconds: marked)
    }

    /// Normalized correlation of the folded cells with the sync signs when detector cell phase c
    /// is embedder phase (c + phase) mod 48.
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

    /// The payload read from the payload cells at `phase`, when its CRC matches.
    private func decodePayload(_ folded: [Double], phase: Int) -> WatermarkPayload? {
        let bands = WatermarkLayout.bandCount
        var sums = [Double](repeating: 0, count: WatermarkPayload.codedBitCount)
        for c in 0..<WatermarkLayout.period {
            let row = ((c + phase) % WatermarkLayout.period) * bands
            for b in 1..<bands - 1 where pattern.roles[row + b] >= 0 {
                sums[Int(pattern.roles[row + b])] += Double(pattern.signs[row + b]) * folded[c * bands + b]
            }
        }
        return WatermarkPayload(codedBits: sums.map { $0 > 0 })
    }
}
