/// Why a `StreamingResampler` could not be created or could not process audio.
///
/// Every case names the conversion (input and output rates) so a message says which stream failed.
public enum ResamplingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A rate is zero, negative, NaN or infinite.
    case invalidRate(inputRate: Double, outputRate: Double, reason: String)
    /// The channel count is not positive (or too large for libsoxr's `unsigned`).
    case invalidChannelCount(channels: Int, inputRate: Double, outputRate: Double)
    /// `count` interleaved samples do not make whole frames of `channels` channels.
    case partialFrame(count: Int, channels: Int, inputRate: Double, outputRate: Double)
    /// `process` was called after `flush` ended the stream (call `reset()` to start a new one).
    case streamEnded(inputRate: Double, outputRate: Double)
    /// libsoxr reported an error during `operation` (`soxr_create`, `soxr_process`, …).
    case soxr(operation: String, message: String, inputRate: Double, outputRate: Double)

    public var description: String {
        switch self {
        case let .invalidRate(input, output, reason):
            return "resampling \(input) Hz → \(output) Hz: invalid sample rate: \(reason)"
        case let .invalidChannelCount(channels, input, output):
            return "resampling \(input) Hz → \(output) Hz: channel count \(channels) must be at least 1"
        case let .partialFrame(count, channels, input, output):
            return "resampling \(input) Hz → \(output) Hz: \(count) samples do not make whole frames of \(channels) channels"
        case let .streamEnded(input, output):
            return "resampling \(input) Hz → \(output) Hz: process called after flush ended the stream"
        case let .soxr(operation, message, input, output):
            return "resampling \(input) Hz → \(output) Hz: \(operation) failed: \(message)"
        }
    }
}
