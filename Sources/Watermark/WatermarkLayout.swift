/// The fixed time–frequency layout shared by the embedder and the detector: a 512-sample STFT
/// (sqrt-Hann, 50 % overlap) at 24 kHz, 54 bands of two bins each from 984 Hz to 6.05 kHz (the
/// range every attack of the evaluation keeps: high-pass 1.5 kHz and low-pass 4 kHz only
/// attenuate its edges, which the detector's per-band normalization ignores), and a keyed ±1
/// pattern per (frame, band) that repeats every 48 frames (0.512 s), so any 3 s excerpt holds
/// about six periods.
public enum WatermarkLayout {
    /// The only sample rate the embedder works at (Hz): Bark's output rate.
    public static let sampleRate = 24_000
    /// STFT frame length in samples (21.3 ms).
    public static let frameLength = 512
    /// STFT hop in samples (10.7 ms); also the embedder's latency.
    public static let hop = 256
    /// First marked FFT bin (21 × 46.875 Hz = 984 Hz).
    public static let firstBin = 21
    /// FFT bins per band (93.75 Hz).
    public static let binsPerBand = 2
    /// Bands carrying the mark.
    public static let bandCount = 54
    /// Frames per pattern period.
    public static let period = 48
    /// Largest relative change of a bin's magnitude (±50 %).
    public static let maxGain: Float = 0.5
    /// The mark's energy in a frame is at most this fraction of the frame's energy (−28.5 dB), which
    /// keeps the SI-SNR of marked audio at about 30 dB or more whatever the signal.
    public static let energyBudget: Float = 0.001_412_5  // 10^(−28.5/10)

    /// One past the last marked bin.
    static var endBin: Int { firstBin + binsPerBand * bandCount }
    /// Cells (frame phase × band) in one period.
    static var cellCount: Int { period * bandCount }
}
