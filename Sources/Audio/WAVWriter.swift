import Foundation

/// Writes whole WAV files. See `WAVFileWriter` for the layout and the temporary-file guarantee.
public enum WAVWriter {
    /// Writes interleaved `samples` (a multiple of `channels`) to `url` as RIFF/WAVE.
    /// The parent directory must exist (`WAVError.unwritable` otherwise); the file appears under
    /// `url` only once completely written.
    public static func write(_ samples: [Float], sampleRate: Int, channels: Int = 1, format: SampleFormat, to url: URL) throws {
        try write(samples, sampleRate: sampleRate, channels: channels, format: format, toPath: url.path)
    }

    /// Like `write(_:sampleRate:channels:format:to:)` for a path, where `-` is standard output
    /// (see `WAVFileWriter` for devices, FIFOs and symbolic links). The sizes are known up
    /// front, so even a pipe gets a complete header.
    public static func write(_ samples: [Float], sampleRate: Int, channels: Int = 1, format: SampleFormat, toPath path: String) throws {
        let writer = try WAVFileWriter(path: path, sampleRate: sampleRate, channels: channels, format: format,
                                       knownSampleCount: samples.count)
        do {
            try writer.append(samples)
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
    }
}

/// Header layout and sample encoding shared by the writers.
enum WAVHeader {
    /// The full header for `dataBytes` of sample data: RIFF, `fmt `, (`fact` for float), `data`.
    /// `dataBytes` nil writes the streaming convention for "length unknown": 0xFFFFFFFF sizes.
    static func bytes(sampleRate: Int, channels: Int, format: SampleFormat, dataBytes known: Int?) -> [UInt8] {
        let unknown = Int(UInt32.max)
        let dataBytes = known ?? 0
        let isFloat = format == .f32
        let bytesPerSample = format.bytesPerSample
        var fmt: [UInt8] = []
        append16(isFloat ? 3 : 1, to: &fmt)
        append16(channels, to: &fmt)
        append32(sampleRate, to: &fmt)
        append32(sampleRate * channels * bytesPerSample, to: &fmt)
        append16(channels * bytesPerSample, to: &fmt)
        append16(bytesPerSample * 8, to: &fmt)
        if isFloat { append16(0, to: &fmt) } // cbSize: non-PCM fmt chunks are 18 bytes
        var out: [UInt8] = Array("RIFF".utf8)
        let factSize = isFloat ? 12 : 0
        append32(known == nil ? unknown : 4 + (8 + fmt.count) + factSize + 8 + dataBytes, to: &out)
        out += Array("WAVE".utf8) + Array("fmt ".utf8)
        append32(fmt.count, to: &out)
        out += fmt
        if isFloat {
            out += Array("fact".utf8)
            append32(4, to: &out)
            append32(known == nil ? unknown : dataBytes / max(1, channels * bytesPerSample), to: &out) // frames per channel
        }
        out += Array("data".utf8)
        append32(known == nil ? unknown : dataBytes, to: &out)
        return out
    }

    /// Little-endian sample bytes.
    static func encode(_ samples: [Float], format: SampleFormat) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(samples.count * format.bytesPerSample)
        switch format {
        case .s16:
            for sample in samples {
                let clipped = sample.isNaN ? 0 : min(1, max(-1, sample))
                append16(Int(Int16((clipped * 32767).rounded())), to: &out)
            }
        case .f32:
            for sample in samples { append32(Int(sample.bitPattern), to: &out) }
        }
        return Data(out)
    }

    private static func append16(_ value: Int, to out: inout [UInt8]) {
        let v = UInt16(truncatingIfNeeded: value)
        out += [UInt8(v & 0xFF), UInt8(v >> 8)]
    }

    private static func append32(_ value: Int, to out: inout [UInt8]) {
        let v = UInt32(truncatingIfNeeded: value)
        out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }
}
