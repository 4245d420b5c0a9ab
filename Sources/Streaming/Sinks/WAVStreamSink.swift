import Audio
import Foundation

/// An `AudioSink` that writes a WAV file as audio arrives, at the rate it is given. To store
/// another rate, wrap it: `ResamplingSink(WAVStreamSink(url: u, sampleRate: 48_000), inputRate:
/// 24_000)` — the streaming path's one rate converter.
///
/// Audio goes to a hidden temporary file beside `url` (through `WAVFileWriter`); the file
/// appears under `url` only when `finish()` succeeds. `cancel()`, an error inside `finish()`, or
/// dropping the sink unfinished removes the temporary file and leaves `url` untouched.
///
/// Thread safety: none inside. The sink holds an open file and a state flag; call
/// it from one thread at a time (the generation thread or a non-realtime pump). It is `Sendable`
/// so it can be created on one thread and used on another, never from two at once. It blocks on
/// file I/O and allocates: never call it from the realtime audio callback.
public final class WAVStreamSink: AudioSink, @unchecked Sendable {
    /// The final file name.
    public let url: URL
    /// The rate `write` accepts and the file stores.
    public let sampleRate: Int
    public let channels: Int
    public let format: SampleFormat
    /// Samples (all channels) written to the file so far.
    public var fileSampleCount: Int { writer.sampleCount }

    private enum State { case open, finished, cancelled }
    private var state = State.open
    private let writer: WAVFileWriter

    /// Opens the temporary file. Throws `ResamplingError` for a bad rate or channel count (the
    /// resampler's checks, so every sink refuses the same values) and `WAVError` when the file
    /// cannot be created.
    public init(url: URL, sampleRate: Int, channels: Int = 1, format: SampleFormat = .f32) throws {
        _ = try StreamingResampler(inputRate: Double(sampleRate), outputRate: Double(sampleRate), channels: channels)
        self.writer = try WAVFileWriter(url: url, sampleRate: sampleRate, channels: channels, format: format)
        self.url = url
        self.sampleRate = sampleRate
        self.channels = channels
        self.format = format
    }

    deinit {
        if state == .open { writer.cancel() }
    }

    public func write(_ samples: [Float]) throws {
        try requireOpen("write")
        guard samples.count % channels == 0 else {
            throw WAVError.invalidArgument(file: url.path, reason: "\(samples.count) samples do not make whole frames of \(channels) channels")
        }
        if !samples.isEmpty { try writer.append(samples) }
    }

    /// Writes the final header and renames the file to `url`.
    /// On failure the temporary file is removed and the sink is closed.
    public func finish() throws {
        try requireOpen("finish")
        do {
            try writer.finish()
            state = .finished
        } catch {
            writer.cancel()
            state = .cancelled
            throw error
        }
    }

    public func cancel() {
        guard state == .open else { return }
        writer.cancel()
        state = .cancelled
    }

    private func requireOpen(_ operation: String) throws {
        switch state {
        case .open: return
        case .finished: throw WAVError.unwritable(file: url.path, reason: "\(operation) after finish")
        case .cancelled: throw WAVError.unwritable(file: url.path, reason: "\(operation) after cancel")
        }
    }
}
