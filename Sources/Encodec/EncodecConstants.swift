/// Facts of the EnCodec 24 kHz model that Bark decodes with.
public enum EncodecConstants {
    /// Output sample rate of Bark's codec, in Hz.
    public static let sampleRate = 24_000
    /// Audio samples per codec frame (product of the SEANet ratios [8, 5, 4, 2]).
    public static let samplesPerFrame = 320
    /// Codec frames per second (75 Hz).
    public static let frameRate = 75
}
