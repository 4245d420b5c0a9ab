/// Sample formats the engine writes to files and sinks.
public enum SampleFormat: String, Sendable, CaseIterable {
    /// 16-bit signed little-endian PCM (WAV format tag 1).
    case s16
    /// 32-bit IEEE float little-endian (WAV format tag 3).
    case f32

    /// Bytes per sample.
    public var bytesPerSample: Int { self == .s16 ? 2 : 4 }
}
