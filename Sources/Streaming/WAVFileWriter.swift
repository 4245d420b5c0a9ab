import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a WAV file incrementally: open, `append` interleaved samples as they are generated,
/// `finish` to patch the RIFF sizes and rename the file into place.
///
/// Samples go to a hidden temporary file in the destination directory; only `finish` renames it
/// to the final name, so a crash or an error never leaves a half-written file there. A writer
/// that is dropped or `cancel`led without `finish` removes its temporary file.
///
/// Layout: `s16` is PCM (format tag 1, 16-byte `fmt `); `f32` is IEEE float (format tag 3, an
/// 18-byte `fmt ` with `cbSize` 0, and the `fact` chunk the spec requires for non-PCM data).
///
/// Thread safety: none. A writer holds an open file and mutable counters; use it from one thread
/// (or one actor) at a time. It performs blocking file I/O and allocates, so never call it from a
/// realtime audio callback: feed it from the generation thread or a pump fed by the ring buffer.
public final class WAVFileWriter {
    /// The final file name (written only by `finish`).
    public let url: URL
    public let sampleRate: Int
    public let channels: Int
    public let format: SampleFormat
    /// Samples (all channels) written so far.
    public private(set) var sampleCount = 0

    private let temporaryURL: URL
    private var handle: FileHandle?
    private let headerSize: Int

    /// Creates the temporary file and writes a provisional header.
    /// Throws `WAVError.invalidArgument` for a non-positive rate or channel count, and
    /// `WAVError.unwritable` when `url`'s directory does not exist or cannot be written.
    public init(url: URL, sampleRate: Int, channels: Int = 1, format: SampleFormat) throws {
        let path = url.path
        guard sampleRate > 0, sampleRate <= Int(UInt32.max) / 8 else {
            throw WAVError.invalidArgument(file: path, reason: "sample rate \(sampleRate) Hz is not a positive 32-bit rate")
        }
        guard channels > 0, channels <= Int(UInt16.max) else {
            throw WAVError.invalidArgument(file: path, reason: "channel count \(channels) must be 1…65535")
        }
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WAVError.unwritable(file: path, reason: "the directory \(directory.path) does not exist")
        }
        self.url = url
        self.sampleRate = sampleRate
        self.channels = channels
        self.format = format
        self.temporaryURL = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        let header = WAVHeader.bytes(sampleRate: sampleRate, channels: channels, format: format, dataBytes: 0)
        self.headerSize = header.count
        guard FileManager.default.createFile(atPath: temporaryURL.path, contents: Data(header)) else {
            throw WAVError.unwritable(file: path, reason: "cannot create a temporary file in \(directory.path) (\(String(cString: strerror(errno))))")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporaryURL)
            try handle.seekToEnd()
            self.handle = handle
        } catch {
            try? FileManager.default.removeItem(at: temporaryURL)
            throw WAVError.unwritable(file: path, reason: "cannot open the temporary file: \(error.localizedDescription)")
        }
    }

    deinit {
        if handle != nil { cancel() }
    }

    /// Appends interleaved samples (`count` a multiple of `channels`). `s16` rounds to nearest
    /// after clipping to [-1, 1] (NaN becomes 0); `f32` stores the values unchanged.
    public func append(_ samples: [Float]) throws {
        guard let handle else { throw WAVError.unwritable(file: url.path, reason: "append after finish or cancel") }
        guard samples.count % channels == 0 else {
            throw WAVError.invalidArgument(file: url.path, reason: "\(samples.count) samples do not make whole frames of \(channels) channels")
        }
        let limit = Int(UInt32.max) - headerSize
        let newBytes = (sampleCount + samples.count) * format.bytesPerSample
        guard newBytes <= limit else {
            throw WAVError.limitExceeded(file: url.path, offset: headerSize, item: "data size", value: newBytes, limit: limit)
        }
        do {
            try handle.write(contentsOf: WAVHeader.encode(samples, format: format))
        } catch {
            throw WAVError.unwritable(file: url.path, reason: "write failed: \(error.localizedDescription)")
        }
        sampleCount += samples.count
    }

    /// Patches the header sizes, closes the file and renames it to `url` (replacing any old file).
    public func finish() throws {
        guard let handle else { throw WAVError.unwritable(file: url.path, reason: "finish after finish or cancel") }
        let dataBytes = sampleCount * format.bytesPerSample
        let header = WAVHeader.bytes(sampleRate: sampleRate, channels: channels, format: format, dataBytes: dataBytes)
        do {
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Data(header))
            try handle.synchronize()
            try handle.close()
            self.handle = nil
        } catch {
            cancel()
            throw WAVError.unwritable(file: url.path, reason: "cannot finish the temporary file: \(error.localizedDescription)")
        }
        guard rename(temporaryURL.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporaryURL)
            throw WAVError.unwritable(file: url.path, reason: "cannot rename the finished file into place: \(reason)")
        }
    }

    /// Abandons the file: closes and removes the temporary file; `url` is left untouched.
    public func cancel() {
        try? handle?.close()
        handle = nil
        try? FileManager.default.removeItem(at: temporaryURL)
    }
}
