/// The detector's view of a signal: power spectra of 512-sample sqrt-Hann frames every 128
/// samples (twice the embedder's time resolution), kept as running sums over the bins around the
/// marked range, so the power of any band with fractional edges (a band of a time-scaled signal)
/// comes from two lookups.
///
/// Thread safety: immutable after `init`; share freely.
struct FineSpectrogram: Sendable {
    /// Samples between frames (half the embedder's hop).
    static let hop = WatermarkLayout.hop / 2
    /// Frames.
    let frameCount: Int
    /// First bin kept.
    let firstBin: Int
    /// Bins kept.
    let binCount: Int
    /// Per frame: power of bins `firstBin..<firstBin+binCount`.
    let power: [Float]
    /// Per frame: running sums, `binCount + 1` per frame (sum of power before the bin).
    let cumulative: [Double]

    /// - Parameters:
    ///   - samples: 24 kHz mono.
    ///   - binRange: the bins to keep (clamped to 0...256).
    init(samples: [Float], binRange: Range<Int>) {
        let length = WatermarkLayout.frameLength
        let first = max(0, binRange.lowerBound)
        let end = min(length / 2 + 1, binRange.upperBound)
        firstBin = first
        binCount = max(0, end - first)
        frameCount = samples.count >= length ? (samples.count - length) / Self.hop + 1 : 0
        let fft = RadixTwoFFT(size: length)
        let window = SqrtHannWindow.make(length: length)
        var power = [Float](repeating: 0, count: frameCount * binCount)
        var cumulative = [Double](repeating: 0, count: frameCount * (binCount + 1))
        var real = [Float](repeating: 0, count: length)
        var imaginary = [Float](repeating: 0, count: length)
        for frame in 0..<frameCount {
            let start = frame * Self.hop
            for i in 0..<length {
                real[i] = samples[start + i] * window[i]
                imaginary[i] = 0
            }
            real.withUnsafeMutableBufferPointer { re in
                imaginary.withUnsafeMutableBufferPointer { im in
                    guard let r = re.baseAddress, let m = im.baseAddress else { return }
                    fft.transform(real: r, imaginary: m, inverse: false)
                }
            }
            var sum = 0.0
            for b in 0..<binCount {
                let k = first + b
                let p = real[k] * real[k] + imaginary[k] * imaginary[k]
                power[frame * binCount + b] = p
                cumulative[frame * (binCount + 1) + b] = sum
                sum += Double(p)
            }
            cumulative[frame * (binCount + 1) + binCount] = sum
        }
        self.power = power
        self.cumulative = cumulative
    }

    /// Power below the continuous bin position `x` in `frame` (bin k spans [k − ½, k + ½)).
    @inline(__always)
    func powerBelow(_ x: Double, frame: Int) -> Double {
        let position = x - Double(firstBin) + 0.5
        let index = Int(position.rounded(.down))
        let row = frame * (binCount + 1)
        if index < 0 { return 0 }
        if index >= binCount { return cumulative[row + binCount] }
        return cumulative[row + index] + (position - Double(index)) * Double(power[frame * binCount + index])
    }
}
