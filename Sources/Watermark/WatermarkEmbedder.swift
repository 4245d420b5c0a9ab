import Foundation

/// Embeds the keyed mark into a 24 kHz mono stream, causally and statefully: the output is
/// bit-identical whatever the chunking of the same input (`process` any split, then `finish`).
///
/// Per STFT frame (512 samples, hop 256, sqrt-Hann analysis and synthesis) the magnitudes of the
/// bins of each band of `WatermarkLayout` (54 bands of 94 Hz, 984 Hz – 6.05 kHz) are scaled by
/// `1 + a_b·g`, where `g = ±1` is the pattern's gain for the frame's cell phase (frame index mod 48)
/// and band b, and `a_b` comes from `MarkStrength`: about `E_b^(−¾)` (E_b: the band's energy in
/// the frame), at most 0.5, scaled so that the mark's energy is −28.5 dB of the frame's. The mark
/// follows the signal (none in silence) and puts its largest relative changes where the signal is
/// weak. Phases are untouched.
///
/// Latency: 256 samples (one hop) plus up to one hop of buffering. Cost: one 512-point complex
/// FFT pair per hop (about 94 per second of audio).
///
/// Thread safety: none inside (it is a stream's state); use an instance from one thread at a time,
/// e.g. the generation thread of one utterance. Make one per stream.
public final class WatermarkEmbedder {
    private let gains: [Float]
    private let fft = RadixTwoFFT(size: WatermarkLayout.frameLength)
    private let window = SqrtHannWindow.make(length: WatermarkLayout.frameLength)
    /// Input not yet processed (fewer than one hop).
    private var pending: [Float] = []
    /// The previous hop of input: the first half of the next frame.
    private var previous = [Float](repeating: 0, count: WatermarkLayout.hop)
    /// The second half of the last synthesized frame, waiting for the next frame's first half.
    private var overlap = [Float](repeating: 0, count: WatermarkLayout.hop)
    private var frameIndex = 0
    private var inputCount = 0
    private var outputCount = 0
    /// Output samples still to drop: the first frame's first half lies before the stream.
    private var discard = WatermarkLayout.hop
    private var real = [Float](repeating: 0, count: WatermarkLayout.frameLength)
    private var imaginary = [Float](repeating: 0, count: WatermarkLayout.frameLength)
    /// Per band: its energy in the current frame (FFT power units).
    private var bandEnergies = [Float](repeating: 0, count: WatermarkLayout.bandCount)
    /// Per band: its relative change in the current frame.
    private var strengths = [Float](repeating: 0, count: WatermarkLayout.bandCount)
    private var strength = MarkStrength()

    public init(settings: WatermarkSettings) {
        gains = WatermarkPattern(key: settings.key).gains(for: settings.payload)
    }

    /// Marks one whole signal (24 kHz mono): `process` then `finish` on a fresh embedder. The
    /// result has the input's length.
    public static func embed(_ samples: [Float], settings: WatermarkSettings) -> [Float] {
        let embedder = WatermarkEmbedder(settings: settings)
        return embedder.process(samples) + embedder.finish()
    }

    /// Feeds 24 kHz samples; returns the marked samples that are final (possibly none). Output
    /// lags input by 256–511 samples until `finish`.
    public func process(_ input: [Float]) -> [Float] {
        inputCount += input.count
        pending.append(contentsOf: input)
        let hop = WatermarkLayout.hop
        var output: [Float] = []
        output.reserveCapacity(pending.count)
        var start = 0
        while pending.count - start >= hop {
            processFrame(newHop: pending[start..<start + hop], into: &output)
            start += hop
        }
        pending.removeFirst(start)
        return emit(output)
    }

    /// Ends the stream: returns the rest of the output, so that all output equals the input in
    /// length. The embedder must not be used afterwards.
    public func finish() -> [Float] {
        let hop = WatermarkLayout.hop
        var output: [Float] = []
        if !pending.isEmpty {
            processFrame(newHop: ArraySlice(pending + [Float](repeating: 0, count: hop - pending.count)), into: &output)
            pending.removeAll()
        }
        processFrame(newHop: ArraySlice([Float](repeating: 0, count: hop)), into: &output)
        return emit(output, limit: inputCount - outputCount)
    }

    /// Drops the leading half frame, keeps at most `limit` samples and counts what leaves.
    private func emit(_ output: [Float], limit: Int = .max) -> [Float] {
        var output = output
        if discard > 0 {
            let dropped = min(discard, output.count)
            output.removeFirst(dropped)
            discard -= dropped
        }
        if output.count > limit { output.removeLast(output.count - limit) }
        outputCount += output.count
        return output
    }

    /// One STFT frame: `previous` + `newHop`, marked, overlap-added; appends one hop of output.
    private func processFrame(newHop: ArraySlice<Float>, into output: inout [Float]) {
        let hop = WatermarkLayout.hop
        let length = WatermarkLayout.frameLength
        for i in 0..<hop {
            real[i] = previous[i] * window[i]
            real[hop + i] = newHop[newHop.startIndex + i] * window[hop + i]
        }
        for i in 0..<hop { previous[i] = newHop[newHop.startIndex + i] }
        for i in 0..<length { imaginary[i] = 0 }
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                // Safe: both buffers have `frameLength` elements, fixed at init.
                guard let r = re.baseAddress, let m = im.baseAddress else { return }
                mark(real: r, imaginary: m)
            }
        }
        for i in 0..<hop {
            output.append(overlap[i] + real[i] * window[i])
            overlap[i] = real[hop + i] * window[hop + i]
        }
        frameIndex += 1
    }

    /// Forward FFT, gains on the marked bins, inverse FFT (result in `real`).
    private func mark(real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>) {
        let length = WatermarkLayout.frameLength
        let edges = WatermarkLayout.bandEdges
        fft.transform(real: real, imaginary: imaginary, inverse: false)
        var frameEnergy: Float = 0
        for k in 0...length / 2 { frameEnergy += real[k] * real[k] + imaginary[k] * imaginary[k] }
        for band in 0..<WatermarkLayout.bandCount {
            var energy: Float = 0
            for k in edges[band]..<edges[band + 1] { energy += real[k] * real[k] + imaginary[k] * imaginary[k] }
            bandEnergies[band] = energy
        }
        strength.allocate(bandEnergies: bandEnergies, frameEnergy: frameEnergy, strengths: &strengths)
        let row = (frameIndex / WatermarkLayout.framesPerCell % WatermarkLayout.period) * WatermarkLayout.bandCount
        for band in 0..<WatermarkLayout.bandCount where strengths[band] > 0 {
            let gain = 1 + strengths[band] * gains[row + band]
            for k in edges[band]..<edges[band + 1] {
                real[k] *= gain
                imaginary[k] *= gain
                real[length - k] *= gain
                imaginary[length - k] *= gain
            }
        }
        fft.transform(real: real, imaginary: imaginary, inverse: true)
    }
}
