import Foundation

/// How strongly one STFT frame is marked, band by band: the relative magnitude change `a_b` of
/// each band, so that the mark's energy `Σ a_b²·E_b` is exactly `energyBudget` of the frame's
/// energy (E_b: the band's energy in the frame; the SI-SNR is the same whatever the signal) and
/// shared by the rule `a_b = s·Ē_b^(−strengthExponent)`, with no band above `maxGain`. Ē_b is the
/// band's energy smoothed over past frames (`envelopeSmoothing`, about 40 ms), so the shares follow
/// the signal's spectral envelope, not the random dips of single frames of noise-like audio (which
/// the detector's noise-floor weighting would discount). Bands the cap holds back leave their share to the others (water-filling: `s` is
/// solved again over the uncapped bands until no further band reaches the cap, at most
/// `bandCount` rounds). Silent bands get nothing; when every band is capped the mark stays below
/// the budget.
///
/// State: the smoothed band energies, updated once per frame, so a stream's strengths depend only
/// on its samples, not on how they were chunked.
///
/// Thread safety: a value; each embedder owns one and uses it on its own thread.
struct MarkStrength {
    /// Weight of the newest frame in the smoothed band energies (time constant about 4 frames).
    static let envelopeSmoothing: Float = 0.25
    /// Smallest band envelope, relative to the frame's loudest, that the shares tell apart (−80 dB).
    static let shapeFloor: Float = 1e-8
    /// Per band: the smoothed energy Ē_b (0 until the band first holds energy).
    private var envelope = [Float](repeating: 0, count: WatermarkLayout.bandCount)
    private var capped = [Bool](repeating: false, count: WatermarkLayout.bandCount)
    /// Per band: E_b^(−strengthExponent), 0 for silent bands.
    private var shape = [Float](repeating: 0, count: WatermarkLayout.bandCount)

    /// Fills `strengths` (one per band, ≥ 0) for a frame whose bands hold `bandEnergies` and whose
    /// whole spectrum holds `frameEnergy` (both in the same power units, e.g. FFT |X|² sums over
    /// the half spectrum).
    mutating func allocate(bandEnergies: [Float], frameEnergy: Float, strengths: inout [Float]) {
        let bands = WatermarkLayout.bandCount
        let maxGain = WatermarkLayout.maxGain
        var loudest: Float = 0
        for b in 0..<bands {
            capped[b] = false
            strengths[b] = 0
            let smoothing = envelope[b] > 0 ? Self.envelopeSmoothing : 1
            envelope[b] += smoothing * (bandEnergies[b] - envelope[b])
            loudest = max(loudest, envelope[b])
        }
        let budget = WatermarkLayout.energyBudget * frameEnergy
        guard budget > 0, loudest > 0 else { return }
        // Relative to the loudest band and floored, so the shapes stay ≤ 10⁶ and their squares
        // finite in Float whatever the level (a near-silent frame could overflow them otherwise).
        for b in 0..<bands {
            shape[b] = bandEnergies[b] > 0 && envelope[b] > 0
                ? pow(max(envelope[b] / loudest, Self.shapeFloor), -WatermarkLayout.strengthExponent) : 0
        }
        for _ in 0...bands {
            var remaining = budget
            var weighted: Float = 0
            for b in 0..<bands where shape[b] > 0 {
                if capped[b] {
                    remaining -= maxGain * maxGain * bandEnergies[b]
                } else {
                    weighted += shape[b] * shape[b] * bandEnergies[b]
                }
            }
            let scale = weighted > 0 && remaining > 0 ? (remaining / weighted).squareRoot() : 0
            var newlyCapped = false
            for b in 0..<bands where shape[b] > 0 && !capped[b] && scale * shape[b] > maxGain {
                capped[b] = true
                newlyCapped = true
            }
            if !newlyCapped {
                for b in 0..<bands where shape[b] > 0 { strengths[b] = capped[b] ? maxGain : scale * shape[b] }
                return
            }
        }
    }
}
