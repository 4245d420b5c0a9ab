import Foundation

/// Band powers of a signal sampled on the embedder's cell grid at one speed and offset, and the
/// whitened, weighted, clipped cell values the detector correlates with the pattern.
///
/// Thread safety: a value with its own buffers; use one instance per thread.
struct CellFeatures {
    /// Pattern cells covered.
    private(set) var cells = 0
    /// Band power per (cell, band).
    private var power: [Double] = []
    /// Whitened, weighted, clipped value per (cell, band).
    private(set) var whitened: [Double] = []

    /// Fine-spectrogram frames (of `FineSpectrogram.hop` samples) per embedder cell at `speed`.
    static func cellStep(speed: Double) -> Double {
        Double(WatermarkLayout.framesPerCell * WatermarkLayout.hop / FineSpectrogram.hop) / speed
    }

    /// Samples the band powers: cell j covers embedder frames `j·F … j·F + F − 1` (F frames per
    /// cell), embedder frame i sitting at fine frame `offset + i·2/speed`; band b spans bins
    /// `speed·(edge_b − ½) … speed·(edge_{b+1} − ½)`.
    mutating func measure(_ spectrogram: FineSpectrogram, speed: Double, offset: Double) {
        let bands = WatermarkLayout.bandCount
        let frameStep = Double(WatermarkLayout.hop / FineSpectrogram.hop) / speed
        let perCell = WatermarkLayout.framesPerCell
        let last = Double(spectrogram.frameCount - 1)
        let span = offset + Double(perCell - 1) * frameStep
        cells = last >= span ? Int(((last - span) / (Double(perCell) * frameStep)).rounded(.down)) + 1 : 0
        power = [Double](repeating: 0, count: cells * bands)
        let edges = WatermarkLayout.bandEdges.map { speed * (Double($0) - 0.5) }
        for j in 0..<cells {
            for f in 0..<perCell {
                let position = offset + Double(j * perCell + f) * frameStep
                let f0 = min(Int(position), spectrogram.frameCount - 1)
                let f1 = min(f0 + 1, spectrogram.frameCount - 1)
                let t = position - Double(f0)
                var below0 = spectrogram.powerBelow(edges[0], frame: f0)
                var below1 = spectrogram.powerBelow(edges[0], frame: f1)
                for b in 0..<bands {
                    let above0 = spectrogram.powerBelow(edges[b + 1], frame: f0)
                    let above1 = spectrogram.powerBelow(edges[b + 1], frame: f1)
                    power[j * bands + b] += (1 - t) * (above0 - below0) + t * (above1 - below1)
                    below0 = above0
                    below1 = above1
                }
            }
        }
    }

    /// Whitens the log powers (each cell minus the mean of its neighbours in time and frequency,
    /// 2–4 of them), weights cells by the level of their time neighbours above the band's noise
    /// floor (the 10th percentile of the band), clips at 2σ, and folds the cells onto the period:
    /// `period × bandCount` sums, or nil when no cell carries signal.
    mutating func foldedWhitened() -> [Double]? {
        let bands = WatermarkLayout.bandCount
        guard cells >= 3 else { return nil }
        var logs = [Double](repeating: 0, count: power.count)
        var weights = [Double](repeating: 0, count: power.count)
        var column = [Double](repeating: 0, count: cells)
        var floors = [Double](repeating: 0, count: bands)
        for b in 0..<bands {
            for j in 0..<cells { column[j] = power[j * bands + b] }
            column.sort()
            floors[b] = column[cells / 10]
            for j in 0..<cells { logs[j * bands + b] = log(max(power[j * bands + b], 1e-20)) }
        }
        // A cell's weight is how far its time neighbours in the band (not the cell itself, whose
        // own power carries the mark and the host's random fluctuation: weighting by it favoured
        // the cells the host made loud and lost two thirds of the score on noise) stand above the
        // band's floor.
        for j in 0..<cells {
            for b in 0..<bands {
                let i = j * bands + b
                var sum = 0.0
                var count = 0.0
                if j > 0 { sum += power[i - bands]; count += 1 }
                if j < cells - 1 { sum += power[i + bands]; count += 1 }
                let level = sum / count
                weights[i] = power[i] > 0 && level > 0 ? min(1, max(0, 1 - floors[b] / level)) : 0
            }
        }
        whitened = [Double](repeating: 0, count: power.count)
        var weightSum = 0.0
        var weightedSquares = 0.0
        for j in 0..<cells {
            for b in 0..<bands {
                let i = j * bands + b
                var sum = 0.0
                var count = 0.0
                if j > 0 { sum += logs[i - bands]; count += 1 }
                if j < cells - 1 { sum += logs[i + bands]; count += 1 }
                if b > 0 { sum += logs[i - 1]; count += 1 }
                if b < bands - 1 { sum += logs[i + 1]; count += 1 }
                let value = logs[i] - sum / count
                whitened[i] = value
                weightSum += weights[i]
                weightedSquares += weights[i] * value * value
            }
        }
        guard weightSum > 0, weightedSquares > 0 else { return nil }
        let limit = 2 * (weightedSquares / weightSum).squareRoot()
        var folded = [Double](repeating: 0, count: WatermarkLayout.cellCount)
        for j in 0..<cells {
            let row = (j % WatermarkLayout.period) * bands
            for b in 0..<bands {
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
        let step = Self.cellStep(speed: speed)
        let cellSamples = Double(WatermarkLayout.framesPerCell * WatermarkLayout.hop + WatermarkLayout.hop)
        for j in 0..<cells {
            let center = (offset + Double(j) * step) * Double(FineSpectrogram.hop) + cellSamples / 2
            let second = min(seconds - 1, Int(startSeconds + center / Double(WatermarkLayout.sampleRate)))
            let row = ((j + phase) % WatermarkLayout.period) * bands
            for b in 0..<bands where pattern.roles[row + b] < 0 {
                let value = whitened[j * bands + b]
                correlation[second] += Double(pattern.signs[row + b]) * value
                energy[second] += value * value
            }
        }
        return (0..<seconds).map { energy[$0] > 0 ? correlation[$0] / energy[$0].squareRoot() : nil }
    }
}
