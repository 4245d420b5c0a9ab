import Checkpoints
import Foundation

/// Reads RIFF/WAVE files into interleaved `Float` samples.
///
/// Accepts PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32 and 64-bit, and
/// `WAVE_FORMAT_EXTENSIBLE` wrapping either. Unknown chunks (`LIST`, `fact`, `cue `…) are skipped,
/// honouring the pad byte after odd-sized chunks. Every size is checked against the bytes actually
/// present before anything is allocated, so hostile files (sizes larger than the file, missing or
/// misplaced chunks, zero channels) throw `WAVError` naming the file and byte offset.
public enum WAVReader {
    /// Largest file read (2 GiB); larger files throw `limitExceeded` before being read.
    public static let defaultMaxBytes = 1 << 31
    /// Largest channel count accepted.
    public static let maxChannels = 256

    /// The samples (interleaved, scaled to [-1, 1) for integer formats), sample rate and channels.
    public static func read(_ url: URL, maxBytes: Int = defaultMaxBytes) throws -> (samples: [Float], sampleRate: Int, channels: Int) {
        let path = url.path
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw WAVError.unreadable(file: path, reason: ErrorMessage.reason(error))
        }
        guard size <= maxBytes else {
            throw WAVError.limitExceeded(file: path, offset: 0, item: "file size", value: size, limit: maxBytes)
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw WAVError.unreadable(file: path, reason: ErrorMessage.reason(error))
        }
        return try read(data, file: path)
    }

    /// Parses a whole WAV file image held in memory (the same checks as `read(_:maxBytes:)`);
    /// `file` names it in errors. Used for bytes that never were a file, and by the fuzz target.
    public static func read(_ data: Data, file: String) throws -> (samples: [Float], sampleRate: Int, channels: Int) {
        try data.withUnsafeBytes { raw in try parse(WAVBytes(raw: raw, file: file)) }
    }

    /// What the `fmt ` chunk says.
    struct Format {
        enum Encoding { case pcm, float }
        let encoding: Encoding
        let channels: Int
        let sampleRate: Int
        let bitsPerSample: Int
        let blockAlign: Int
    }

    static func parse(_ bytes: WAVBytes) throws -> (samples: [Float], sampleRate: Int, channels: Int) {
        let file = bytes.file
        try bytes.need(12, at: 0, item: "RIFF header")
        guard bytes.tag(at: 0) == "RIFF" else {
            throw WAVError.malformed(file: file, offset: 0, reason: "does not start with 'RIFF' (found '\(bytes.tag(at: 0))')")
        }
        guard bytes.tag(at: 8) == "WAVE" else {
            throw WAVError.malformed(file: file, offset: 8, reason: "RIFF form type is '\(bytes.tag(at: 8))', not 'WAVE'")
        }
        var format: Format?
        var offset = 12
        while true {
            guard offset + 8 <= bytes.count else {
                if format == nil {
                    throw offset == bytes.count
                        ? WAVError.malformed(file: file, offset: offset, reason: "no 'fmt ' chunk")
                        : WAVError.truncated(file: file, item: "chunk header", offset: offset, needed: 8, available: bytes.count - offset)
                }
                throw offset == bytes.count
                    ? WAVError.malformed(file: file, offset: offset, reason: "no 'data' chunk")
                    : WAVError.truncated(file: file, item: "chunk header", offset: offset, needed: 8, available: bytes.count - offset)
            }
            let id = bytes.tag(at: offset)
            let chunkSize = bytes.uint(at: offset + 4, width: 4)
            let body = offset + 8
            try bytes.need(chunkSize, at: body, item: "'\(id)' chunk")
            switch id {
            case "fmt ":
                guard format == nil else { throw WAVError.malformed(file: file, offset: offset, reason: "a second 'fmt ' chunk") }
                format = try parseFormat(bytes, at: body, size: chunkSize)
            case "data":
                guard let format else {
                    throw WAVError.malformed(file: file, offset: offset, reason: "'data' chunk before the 'fmt ' chunk")
                }
                return (decode(bytes, at: body, size: chunkSize, format: format), format.sampleRate, format.channels)
            default:
                break
            }
            offset = body + chunkSize + (chunkSize & 1)
        }
    }

    static func parseFormat(_ bytes: WAVBytes, at body: Int, size: Int) throws -> Format {
        let file = bytes.file
        let chunk = body - 8
        guard size >= 16 else {
            throw WAVError.malformed(file: file, offset: chunk, reason: "'fmt ' chunk is \(size) bytes, at least 16 are required")
        }
        var tag = bytes.uint(at: body, width: 2)
        let channels = bytes.uint(at: body + 2, width: 2)
        let sampleRate = bytes.uint(at: body + 4, width: 4)
        let blockAlign = bytes.uint(at: body + 12, width: 2)
        let bits = bytes.uint(at: body + 14, width: 2)
        if tag == 0xFFFE {
            guard size >= 40, bytes.uint(at: body + 16, width: 2) >= 22 else {
                throw WAVError.malformed(file: file, offset: chunk, reason: "WAVE_FORMAT_EXTENSIBLE needs a 40-byte 'fmt ' chunk")
            }
            let guidTail: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
            guard (0..<14).allSatisfy({ bytes.byte(at: body + 26 + $0) == guidTail[$0] }) else {
                throw WAVError.unsupportedFormat(file: file, offset: chunk, reason: "extensible sub-format GUID is not a standard WAVE format")
            }
            tag = bytes.uint(at: body + 24, width: 2)
        }
        guard channels > 0 else { throw WAVError.malformed(file: file, offset: body + 2, reason: "zero channels") }
        guard channels <= maxChannels else {
            throw WAVError.limitExceeded(file: file, offset: body + 2, item: "channel count", value: channels, limit: maxChannels)
        }
        guard sampleRate > 0 else { throw WAVError.malformed(file: file, offset: body + 4, reason: "sample rate 0") }
        let encoding: Format.Encoding
        switch (tag, bits) {
        case (1, 8), (1, 16), (1, 24), (1, 32): encoding = .pcm
        case (3, 32), (3, 64): encoding = .float
        default:
            throw WAVError.unsupportedFormat(file: file, offset: chunk, reason: "format tag \(tag) with \(bits) bits per sample "
                                             + "(supported: PCM 8/16/24/32-bit, float 32/64-bit)")
        }
        guard blockAlign == channels * bits / 8 else {
            throw WAVError.malformed(file: file, offset: body + 12, reason: "block align \(blockAlign) is not \(channels) channels × \(bits / 8) bytes")
        }
        return Format(encoding: encoding, channels: channels, sampleRate: sampleRate, bitsPerSample: bits, blockAlign: blockAlign)
    }

    /// Decodes whole frames of `size` bytes at `body` (a trailing partial frame is ignored).
    static func decode(_ bytes: WAVBytes, at body: Int, size: Int, format: Format) -> [Float] {
        let width = format.bitsPerSample / 8
        let count = size / format.blockAlign * format.channels
        var samples = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let raw = bytes.uint(at: body + i * width, width: width)
            switch (format.encoding, width) {
            case (.pcm, 1): samples[i] = (Float(raw) - 128) / 128
            case (.pcm, 2): samples[i] = Float(Int16(truncatingIfNeeded: raw)) / 32_768
            case (.pcm, 3): samples[i] = Float((Int32(truncatingIfNeeded: raw << 8)) >> 8) / 8_388_608
            case (.pcm, _): samples[i] = Float(Int32(truncatingIfNeeded: raw)) / 2_147_483_648
            case (.float, 4): samples[i] = Float(bitPattern: UInt32(truncatingIfNeeded: raw))
            case (.float, _): samples[i] = Float(Double(bitPattern: UInt64(truncatingIfNeeded: raw)))
            }
        }
        return samples
    }
}

/// Bounds-checked little-endian access to a file's bytes.
struct WAVBytes {
    let raw: UnsafeRawBufferPointer
    let file: String
    var count: Int { raw.count }

    /// Throws `truncated` unless `length` bytes exist at `offset`.
    func need(_ length: Int, at offset: Int, item: String) throws {
        guard offset >= 0, length >= 0, length <= count - offset else {
            throw WAVError.truncated(file: file, item: item, offset: offset, needed: length, available: max(0, count - offset))
        }
    }

    func byte(at offset: Int) -> UInt8 { raw[offset] }

    /// Unsigned little-endian integer of `width` (≤ 8) bytes; callers check bounds first.
    func uint(at offset: Int, width: Int) -> Int {
        var value: UInt64 = 0
        for b in 0..<width { value |= UInt64(raw[offset + b]) << (8 * UInt64(b)) }
        return Int(truncatingIfNeeded: value)
    }

    /// A four-character chunk tag (non-ASCII bytes shown as `?`).
    func tag(at offset: Int) -> String {
        String((0..<4).map { i -> Character in
            let b = raw[offset + i]
            return (0x20..<0x7F).contains(b) ? Character(Unicode.Scalar(b)) : "?"
        })
    }
}
