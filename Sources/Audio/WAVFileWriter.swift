import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a WAV file incrementally: open, `append` interleaved samples as they are generated,
/// `finish` to patch the RIFF sizes and put the file in place.
///
/// Where the bytes go follows `OutputFile`: a regular file (or a symbolic link's target) is
/// written under a hidden temporary name beside it and renamed into place only by `finish`, so a
/// crash or an error never leaves a half-written file there, and a writer that is dropped or
/// `cancel`led removes its temporary file. `-` (standard output), a FIFO or a character device is
/// written in place as a stream: its header carries the "length unknown" sizes 0xFFFFFFFF that
/// streaming readers (ffmpeg, sox) accept, patched at `finish` when the output can seek.
///
/// Layout: `s16` is PCM (format tag 1, 16-byte `fmt `); `f32` is IEEE float (format tag 3, an
/// 18-byte `fmt ` with `cbSize` 0, and the `fact` chunk the spec requires for non-PCM data).
///
/// Thread safety: none. A writer holds an open file and mutable counters; use it from one thread
/// (or one actor) at a time. It performs blocking file I/O and allocates, so never call it from a
/// realtime audio callback: feed it from the generation thread or a pump fed by the ring buffer.
public final class WAVFileWriter {
    /// The output path as given (`-` for standard output).
    public let path: String
    /// `path` as a file URL.
    public var url: URL { URL(fileURLWithPath: path) }
    public let sampleRate: Int
    public let channels: Int
    public let format: SampleFormat
    /// Samples (all channels) written so far.
    public private(set) var sampleCount = 0

    private var output: OutputFile?
    private let headerSize: Int

    /// Opens the output and writes a provisional header.
    /// Throws `WAVError.invalidArgument` for a non-positive rate or channel count, and
    /// `WAVError.unwritable` when the output cannot be opened (missing directory, a directory,
    /// no permission).
    public convenience init(url: URL, sampleRate: Int, channels: Int = 1, format: SampleFormat) throws {
        try self.init(path: url.path, sampleRate: sampleRate, channels: channels, format: format)
    }

    /// Like `init(url:…)` for a path, where `-` means standard output. `knownSampleCount`, when
    /// the caller knows how many samples it will append, gives a stream (pipe, FIFO) a header with
    /// the real sizes instead of "length unknown".
    public init(path: String, sampleRate: Int, channels: Int = 1, format: SampleFormat, knownSampleCount: Int? = nil) throws {
        guard sampleRate > 0, sampleRate <= Int(UInt32.max) / 8 else {
            throw WAVError.invalidArgument(file: path, reason: "sample rate \(sampleRate) Hz is not a positive 32-bit rate")
        }
        guard channels > 0, channels <= Int(UInt16.max) else {
            throw WAVError.invalidArgument(file: path, reason: "channel count \(channels) must be 1…65535")
        }
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        self.format = format
        let output = try Self.wavError(path) { try OutputFile(path: path) }
        let header = WAVHeader.bytes(sampleRate: sampleRate, channels: channels, format: format,
                                     dataBytes: output.isSeekable ? 0 : knownSampleCount.map { $0 * format.bytesPerSample })
        headerSize = header.count
        try Self.wavError(path) { try output.write(header) }
        self.output = output
    }

    deinit { output?.abandon() }

    /// Appends interleaved samples (`count` a multiple of `channels`). `s16` rounds to nearest
    /// after clipping to [-1, 1] (NaN becomes 0); `f32` stores the values unchanged.
    public func append(_ samples: [Float]) throws {
        guard let output else { throw WAVError.unwritable(file: path, reason: "append after finish or cancel") }
        guard samples.count % channels == 0 else {
            throw WAVError.invalidArgument(file: path, reason: "\(samples.count) samples do not make whole frames of \(channels) channels")
        }
        let limit = Int(UInt32.max) - headerSize
        let newBytes = (sampleCount + samples.count) * format.bytesPerSample
        guard newBytes <= limit else {
            throw WAVError.limitExceeded(file: path, offset: headerSize, item: "data size", value: newBytes, limit: limit)
        }
        try Self.wavError(path) { try output.write(WAVHeader.encode(samples, format: format)) }
        sampleCount += samples.count
    }

    /// Patches the header sizes (when the output can seek) and puts the file in place (replacing
    /// any old file atomically).
    public func finish() throws {
        guard let output else { throw WAVError.unwritable(file: path, reason: "finish after finish or cancel") }
        self.output = nil
        do {
            if output.isSeekable {
                let dataBytes = sampleCount * format.bytesPerSample
                try output.write(WAVHeader.bytes(sampleRate: sampleRate, channels: channels, format: format, dataBytes: dataBytes), at: 0)
            }
            try output.commit()
        } catch {
            output.abandon()
            throw Self.wavError(path, error)
        }
    }

    /// Abandons the file: closes and removes the temporary file; the final name is left untouched.
    public func cancel() {
        output?.abandon()
        output = nil
    }

    private static func wavError<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw wavError(path, error) }
    }

    private static func wavError(_ path: String, _ error: any Error) -> WAVError {
        if let error = error as? WAVError { return error }
        if case let .unwritable(_, reason)? = error as? CheckpointError { return .unwritable(file: path, reason: reason) }
        return .unwritable(file: path, reason: ErrorMessage.reason(error))
    }
}
