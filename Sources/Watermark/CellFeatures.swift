import Foundation

/// Band powers of a signal sampled on the embedder's frame grid at one speed and offset, and the
/// whitened, weighted, clipped cell values the detector correlates with the pattern.
///
/// Thread safety: a value with its own buffers; use one instance per thread.
struct CellFeatures {
    /// Embedder frames covered.
    private(set) var frames = 0
    /// Band power per (frame, band).
    private var power: [Double] = []
    /// Whitened, weighted, clipped value per (frame, band); zero on the border.
    private(set) var whitened: [Double] = []

    /// Samples the band powers: embedder frame j sits at fine frame `offset + j·2/speed`, its
    /// band b spans bins `speed·(first + 2b − ½) … speed·(first + 2b + 1½)`.
    mutating func measure(_ spectrogram: FineSpectrogram, speed: Double, offset: Double) {
        let bands = WatermarkLayout.bandCount
        let step = Double(WatermarkLayout.hop / FineSpectrogram.hop) / speed
        let last = Double(spectrogram.frameCount - 1)
        frames = last >= offset ? Int(((last - offset) / step).rounded(.down)) + 1 : 0
        power = [Double](repeating: 0, count: frames * bands)
        let edges = (0...bands).map {
            speed * (Double(WatermarkLayout.firstBin + $0 * WatermarkLayout.binsPerBand) - 0.5)
        }
        for j in 0..<frames {
            let position = offset + Double(j) * step
            let f0 = min(Int(position), spectrogram.frameCount - 1)
            let f1 = min(f0 + 1, spectrogram.frameCount - 1)
            let t = position - Double(f0)
            var below0 = spectrogram.powerBelow(edges[0], frame: f0)
            var below1 = spectrogram.powerBelow(edges[0], frame: f1)
            for b in 0..<bands {
                let above0 = spectrogram.powerBelow(edges[b + 1], frame: f0)
                let above1 = spectrogram.powerBelow(edges[b + 1], frame: f1)
                power[j * bands + b] = (1 - t) * (above0 - below0) + t * (above1 - below1)
                below0 = above0
                below1 = above1
            }
        }
    }

    /// Whitens the log powers, weights cells by their level above the band's noise floor (the
    /// 10th percentile of the band), clips at 2σ, and folds the frames onto the 48-frame period:
    /// `period × bandCount` sums, or nil when no cell carries signal.
    mutating func foldedWhitened() -> [Double]? {
        let bands = WatermarkLayout.bandCount
        guard frames >= 3 else { return nil }
        var logs = [Double](repeating: 0, count: power.count)
        var weights = [Double](repeating: 0, count: power.count)
        var column = [Double](repeating: 0, count: frames)
        for b in 0..<bands {
            for j in 0..<frames { column[j] = power[j * bands + b] }
            column.sort()
            let floor = column[frames / 10]
            for j in 0..<frames {
                let p = power[j * bands + b]
                logs[j * bands + b] = log(max(p, 1e-20))
                weights[j * bands + b] = p > 0 ? min(1, max(0, 1 - floor / p)) : 0
            }
        }
        whitened = [Double](repeating: 0, count: power.count)
        var weightSum = 0.0
        var weightedSquares = 0.0
        for j in 1..<frames - 1 {
            for b in 1..<bands - 1 {
                let i = j * bands + b
                let value = logs[i] - 0.25 * (logs[i - bands] + logs[i + bands] + logs[i - 1] + logs[i + 1])
                whitened[i] = value
                weightSum += weights[i]
                weightedSquares += weights[i] * value * value
            }
        }
        guard weightSum > 0, weightedSquares > 0 else { return nil }
        let limit = 2 * (weightedSquares / weightSum).squareRoot()
        var folded = [Double](repeating: 0, count: WatermarkLayout.cellCount)
        for j in 1..<frames - 1 {
            let row = (j % WatermarkLayout.period) * bands
            for b in 1..<bands - 1 {
                let i = j * bands + b
                let value = min(limit, max(-limit, whitened[i])) * weights[i]
                whitened[i] = value
                folded[row + b] += value
            }
        }
        return folded
    }

    /// Per second of the whole signal (`totalSeconds` long, of which these features start at
    /// `startSeconds`): the sync correlation of that second's cells alone (normalized), after
    /// `foldedWhitened`; nil for seconds with no signal or outside these features.
    func secondScores(pattern: WatermarkPattern, phase: Int, speed: Double, offset: Double, startSeconds: Double,
                      totalSeconds: Double) -> [Double?] {
        let bands = WatermarkLayout.bandCount
        let seconds = max(1, Int(totalSeconds.rounded(.up)))
        var correlation = [Double](repeating: 0, count: seconds)
        var energy = [Double](repeating: 0, count: seconds)
        let step = Double(WatermarkLayout.hop / FineSpectrogram.hop) / speed
        for j in 1..<max(1, frames - 1) {
            let center = (offset + Double(j) * step) * Double(FineSpectrogram.hop) + Double(WatermarkLayout.frameLength / 2)
            let second = min(seconds - 1, Int(startSeconds + center / Double(WatermarkLayout.sampleRate)))
            let row = ((j + phase) % WatermarkLayout.period) * bands
            for b in 1..<bands - 1 where pattern.roles[row + b] < 0 {
                let value = whitened[j * bands + b]
                correlation[second] += Double(pattern.signs[row + b]) * value
                energy[second] += value * value
            }
        }
        return (0..<seconds).map { energy[$0] > 0 ? correlation[$0] / energy[$0].squareRoot() : nil }
    }
}
