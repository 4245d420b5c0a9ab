/// The fixed time–frequency layout shared by the embedder and the detector: a 512-sample STFT
/// (sqrt-Hann, 50 % overlap) at 24 kHz, 54 bands of two bins each from 984 Hz to 6.05 kHz (the
/// range every attack of the evaluation keeps: high-pass 1.5 kHz and low-pass 4 kHz only
/// attenuate its edges, which the detector's per-band normalization ignores), cells of one STFT
/// frame, and a keyed ±1 pattern per (cell, band) that repeats every 48 cells (0.512 s), so any
/// 3 s excerpt holds about six periods. (Wider bands and two-frame cells, closer to the codecs'
/// band energies, were measured too: they halved the score on every attack, Opus included.)
public enum WatermarkLayout {
    /// The only sample rate the embedder works at (Hz): Bark's output rate.
    public static let sampleRate = 24_000
    /// STFT frame length in samples (21.3 ms).
    public static let frameLength = 512
    /// STFT hop in samples (10.7 ms); also the embedder's latency.
    public static let hop = 256
    /// Band edges in FFT bins of 46.875 Hz (`bandCount + 1` values, increasing): 984 Hz … 6.05 kHz.
    static let bandEdges = Array(stride(from: 21, through: 129, by: 2))
    /// STFT frames per pattern cell (all frames of a cell carry the same signs).
    public static let framesPerCell = 1
    /// Cells per pattern period (48 × 10.7 ms = 0.512 s).
    public static let period = 48
    /// Largest relative change of a bin's magnitude (±50 %).
    public static let maxGain: Float = 0.5
    /// The mark's energy in every frame is this fraction of the frame's energy (−28.5 dB; less only
    /// when every band is at `maxGain`); with the overlap-add that keeps the SI-SNR of marked
    /// speech at about 30.5 dB whatever the signal.
    public static let energyBudget: Float = 0.001_412_5  // 10^(−28.5/10)
    /// How a frame's mark energy is shared among its bands (see `MarkStrength`): band b's relative
    /// change is proportional to `E_b^(−strengthExponent)` (E_b: the band's energy in that frame).
    /// 0 gives every band the same relative change (the mark's spectrum follows the signal's, as
    /// the first version did); ½ gives every band the same mark energy; ¾, measured best, puts more
    /// relative change where the signal is weak, where the detector's log-power contrast gains
    /// most (median score on 3 s of speech about 10 → 20, Opus 32 kbit/s 6 → 12, white noise at
    /// 20 dB 3.6 → 6.8 against 0 on the same key and material).
    static let strengthExponent: Float = 0.75

    /// Bands carrying the mark.
    public static var bandCount: Int { bandEdges.count - 1 }
    /// First marked FFT bin.
    static var firstBin: Int { bandEdges[0] }
    /// One past the last marked bin.
    static var endBin: Int { bandEdges[bandEdges.count - 1] }
    /// Cells (cell phase × band) in one period.
    static var cellCount: Int { period * bandCount }
    /// STFT frames per period.
    static var periodFrames: Int { period * framesPerCell }
}
