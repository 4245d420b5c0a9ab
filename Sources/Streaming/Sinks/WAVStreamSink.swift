import Audio
import Foundation

/// An `AudioSink` that writes a WAV file as audio arrives, optionally converting the sample
/// rate on the way (e.g. Bark's 24 kHz to a 48 kHz file).
///
/// Audio goes to a hidden temporary file beside `url` (through `WAVFileWriter`); the file
/// appears under `url` only when `finish()` succeeds. `cancel()`, an error inside `finish()`, or
/// dropping the sink unfinished removes the temporary file and leaves `url` untouched.
///
/// With `fileSampleRate` different from `sampleRate`, each `write` passes through a
/// `StreamingResampler` and `finish()` flushes its tail, so the file holds
/// `round(frames × fileSampleRate / sampleRate)` frames, time-aligned with the input.
///
/// Thread safety: none inside. The sink holds an open file, a resampler and a state flag; call
/// it from one thread at a time (the generation thread or a non-realtime pump). It is `Sendable`
/// so it can be created on one thread and used on another, never from two at once. It blocks on
/// file I/O and allocates: never call it from the realtime audio callback.
public final class WAVStreamSink: AudioSink, @unchecked Sendable {
    /// The final file name.
    public let url: URL
    /// The rate `write` accepts.
    public let sampleRate: Int
    /// The rate stored in the file (equal to `sampleRate` unless resampling).
    public let fileSampleRate: Int
    public let channels: Int
    public let format: SampleFormat
    /// Samples (all channels, at `fileSampleRate`) written to the file so far.
    public var fileSampleCount: Int { writer.sampleCount }

    private enum State { case open, finished, cancelled }
    private var state = State.open
    private let writer: WAVFileWriter
    private let resampler: StreamingResampler?

    /// Opens the temporary file. `fileSampleRate` nil (or equal to `sampleRate`) stores the
    /// input rate unchanged. Throws `ResamplingError` for bad rates or channel counts and
    /// `WAVError` when the file cannot be created.
    public init(url: URL, sampleRate: Int, channels: Int = 1, format: SampleFormat = .f32,
                fileSampleRate: Int? = nil, quality: StreamingResampler.Quality = .high) throws {
        let target = fileSampleRate ?? sampleRate
        // Validate both rates through the resampler's checks, even when no resampling is needed.
        let resampler = try StreamingResampler(inputRate: Double(sampleRate), outputRate: Double(target),
                                               channels: channels, quality: quality)
        self.resampler = resampler.isIdentity ? nil : resampler
        self.writer = try WAVFileWriter(url: url, sampleRate: target, channels: channels, format: format)
        self.url = url
        self.sampleRate = sampleRate
        self.fileSampleRate = target
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
        let converted = try resampler?.process(samples) ?? samples
        if !converted.isEmpty { try writer.append(converted) }
    }

    /// Flushes the resampler's tail, writes the final header and renames the file to `url`.
    /// On failure the temporary file is removed and the sink is closed.
    public func finish() throws {
        try requireOpen("finish")
        do {
            if let resampler {
                let tail = try resampler.flush()
                if !tail.isEmpty { try writer.append(tail) }
            }
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
