import Foundation

/// Joins separately generated mono audio segments (e.g. one Bark generation per text segment)
/// into one signal without clicks.
///
/// Neighbouring segments overlap by the crossfade length and are mixed with a raised-cosine
/// (Hann) fade whose two gains always sum to 1: `out = a·prev + (1 − a)·next`,
/// `a = ½(1 + cos(π·t/N))`. This constant-amplitude fade was chosen over an equal-power fade
/// (gains with `a² + b² = 1`) because Bark segments usually start and end in near-silence or
/// breath noise of the same voice, i.e. correlated material, where equal-power gains would bump
/// the level by up to 3 dB mid-fade and could push a full-scale signal past ±1; with gains
/// summing to 1 the mix never leaves the range of its inputs and, for fades longer than half a
/// period of the signal, never steps further between samples than the inputs themselves.
/// The cosine shape starts and ends with zero slope, so the fade itself adds no corner.
///
/// The result is `Σ count − Σ overlap` samples long. An overlap is `min(N, output so far,
/// next segment)`, so a segment shorter than the crossfade is faded in over its whole length
/// (and shortens the overlap) instead of being skipped; empty segments are ignored.
public enum AudioJoin {
    /// Default crossfade: 10 ms (240 samples at Bark's 24 kHz), long enough to hide a step
    /// discontinuity (clicks are audible below ~5 ms) and short enough not to smear syllables.
    public static let defaultCrossfadeMilliseconds = 10.0

    /// Concatenates `segments` with a raised-cosine crossfade of `crossfadeMilliseconds`
    /// (clamped at 0; 0 is plain concatenation). `sampleRate` converts the duration to samples.
    public static func join(_ segments: [[Float]], sampleRate: Int,
                            crossfadeMilliseconds: Double = defaultCrossfadeMilliseconds) -> [Float] {
        let fadeLength = crossfadeMilliseconds.isFinite
            ? max(0, Int((crossfadeMilliseconds * Double(max(0, sampleRate)) / 1000).rounded()))
            : 0
        var output: [Float] = []
        output.reserveCapacity(segments.reduce(0) { $0 + $1.count })
        for segment in segments where !segment.isEmpty {
            let overlap = min(fadeLength, output.count, segment.count)
            let start = output.count - overlap
            for t in 0..<overlap {
                // Hann fade-out gain for the earlier signal, sampled at the centre of each step so
                // neither end of the fade repeats an unfaded sample.
                let phase = Double.pi * (Double(t) + 0.5) / Double(overlap)
                let a = Float(0.5 * (1 + cos(phase)))
                output[start + t] = a * output[start + t] + (1 - a) * segment[t]
            }
            output.append(contentsOf: segment[overlap...])
        }
        return output
    }
}
