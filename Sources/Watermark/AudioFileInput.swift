import Audio
import Checkpoints
import Foundation

/// Reads a file to detect a mark in: WAV directly; anything else (Ogg Opus, MP3, AAC, FLAC…)
/// decoded by ffmpeg to 24 kHz mono when ffmpeg is on PATH.
public enum AudioFileInput {
    /// Mono samples (channels averaged) and their sample rate.
    public static func read(_ url: URL) throws -> (samples: [Float], sampleRate: Int) {
        if let wav = try? WAVReader.read(url) { return (mono(wav.samples, channels: wav.channels), wav.sampleRate) }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw AudioFileInputError.unreadable(path: url.path, reason: ErrorMessage.posix(FileManager.default.fileExists(atPath: url.path) ? EACCES : ENOENT))
        }
        guard ExternalTool.find("ffmpeg") != nil else { throw AudioFileInputError.notWAV(path: url.path) }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-detect-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: temporary) }
        do {
            try ExternalTool.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", url.path, "-ac", "1", "-ar", "24000",
                                            "-c:a", "pcm_f32le", temporary.path])
        } catch {
            throw AudioFileInputError.undecodable(path: url.path, reason: ErrorMessage.describe(error))
        }
        let decoded = try WAVReader.read(temporary)
        return (mono(decoded.samples, channels: decoded.channels), decoded.sampleRate)
    }

    static func mono(_ samples: [Float], channels: Int) -> [Float] {
        guard channels > 1 else { return samples }
        return stride(from: 0, to: samples.count - channels + 1, by: channels).map { start in
            samples[start..<start + channels].reduce(0, +) / Float(channels)
        }
    }
}

/// Why a file could not be read for detection; each names the file.
public enum AudioFileInputError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notWAV(path: String)
    case undecodable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .notWAV(let path): return "\(path) is not a WAV file (other formats need ffmpeg on PATH)"
        case .undecodable(let path, let reason): return "cannot decode \(path) as audio: \(reason)"
        }
    }
}
