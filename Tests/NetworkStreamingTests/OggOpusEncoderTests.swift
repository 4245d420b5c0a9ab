import Audio
import Foundation
import NetworkStreaming
import Testing

@Suite struct OggOpusEncoderTests {
    private func tone(seconds: Double, rate: Int = 24_000) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { i in
            let t = Double(i) / Double(rate)
            return Float(0.3 * sin(2 * .pi * 440 * t) + 0.15 * sin(2 * .pi * 1230 * t))
        }
    }

    @Test func headerPagesComeFirstAndPagesAreTwentyMilliseconds() throws {
        let encoder = try OggOpusEncoder(settings: OggOpusEncoder.Settings(bitrate: 32_000))
        #expect(encoder.headerPages.count == 2)
        #expect(encoder.headerPages.allSatisfy { $0.isOpusHeader })
        #expect(encoder.headerPages[0].isBeginningOfStream)
        var pages: [OggPage] = []
        let input = tone(seconds: 1)
        for start in stride(from: 0, to: input.count, by: 1000) {
            pages += try encoder.write(Array(input[start..<min(input.count, start + 1000)]))
        }
        pages += try encoder.finish()
        #expect(pages.last?.isEndOfStream == true)
        #expect(!pages.contains { $0.isOpusHeader })
        // 20 ms pages: granule positions (48 kHz) advance by at most 960 per page.
        let granules = pages.map(\.granulePosition).filter { $0 >= 0 }
        #expect(granules.count >= 45)
        for (a, b) in zip(granules, granules.dropFirst()) { #expect(b > a && b - a <= 960) }
        #expect(Set(pages.map(\.serialNumber)).count == 1)
        #expect(pages.map(\.sequenceNumber) == Array(2..<UInt32(2 + pages.count)))
        #expect(throws: OpusStreamingError.finished) { _ = try encoder.write([0]) }
    }

    /// A stream that ends before any audio (serve shut down at once) still ends cleanly. libopusenc
    /// left such a stream's end position uninitialized, and once an earlier encoder's memory was
    /// reused the drain aborted the whole process on an assertion; alternating full and empty streams
    /// reproduced it every time before the fix.
    @Test func aStreamWithNoAudioEndsWithAnEndPage() throws {
        for _ in 0..<8 {
            let full = try OggOpusEncoder()
            _ = try full.write(tone(seconds: 1))
            _ = try full.finish()
            let empty = try OggOpusEncoder()
            let pages = try empty.finish()
            #expect(pages.last?.isEndOfStream == true)
            #expect(empty.samplesWritten == 0)
        }
    }

    @Test func invalidSettingsAreRefused() {
        var settings = OggOpusEncoder.Settings()
        settings.frameMilliseconds = 7
        #expect(throws: OpusStreamingError.self) { _ = try OggOpusEncoder(settings: settings) }
        settings = OggOpusEncoder.Settings()
        settings.bitrate = 1000
        #expect(throws: OpusStreamingError.self) { _ = try OggOpusEncoder(settings: settings) }
        settings = OggOpusEncoder.Settings()
        settings.sampleRate = 44_100
        #expect(throws: OpusStreamingError.self) { _ = try OggOpusEncoder(settings: settings) }
    }

    /// A tone through our encoder and the real `opusdec`: the decoded audio matches the input.
    @Test(arguments: [(48_000, OggOpusEncoder.Application.audio, 20.0), (24_000, .voip, 10.0), (64_000, .lowDelay, 5.0)])
    func opusdecDecodesATone(bitrate: Int, application: OggOpusEncoder.Application, frame: Double) throws {
        guard let opusdec = NetworkTestSupport.require("opusdec") else { return }
        let directory = try NetworkTestSupport.temporaryDirectory("opus-tone")
        defer { try? FileManager.default.removeItem(at: directory) }
        let encoder = try OggOpusEncoder(settings: OggOpusEncoder.Settings(bitrate: bitrate, frameMilliseconds: frame, application: application, complexity: 10))
        let input = tone(seconds: 2)
        var bytes = encoder.headerPages.flatMap(\.bytes)
        for start in stride(from: 0, to: input.count, by: 480) {
            bytes += try encoder.write(Array(input[start..<min(input.count, start + 480)])).flatMap(\.bytes)
        }
        bytes += try encoder.finish().flatMap(\.bytes)
        let ogg = directory.appendingPathComponent("tone.opus"), wav = directory.appendingPathComponent("tone.wav")
        try Data(bytes).write(to: ogg)
        let (status, output) = try NetworkTestSupport.run(opusdec, ["--rate", "24000", "--float", ogg.path, wav.path])
        #expect(status == 0, "opusdec: \(output)")
        let decoded = try WAVReader.read(wav)
        #expect(decoded.sampleRate == 24_000)
        #expect(abs(decoded.samples.count - input.count) < 480, "pre-skip and end trimming give back the input length")
        // Skip the first 50 ms (encoder warm-up) when scoring. The search stays within ±24 samples,
        // under half the 440 Hz period (54.5 samples): the tone nearly repeats every 214 samples, and
        // a wider search could align it one "period" off.
        let reference = Array(input[1200..<(input.count - 1200)])
        let result = NetworkTestSupport.compare(reference: reference, signal: Array(decoded.samples.dropFirst(1200)), maxLag: 24, around: 0)
        print("Opus \(bitrate / 1000) kbit/s \(application.rawValue) \(frame) ms: tone via opusdec correlation \(String(format: "%.4f", result.correlation)), SNR \(String(format: "%.1f", result.snr)) dB, lag \(result.lag)")
        // VoIP mode (SILK, speech-tuned) does not keep the waveform as closely as CELT.
        #expect(result.correlation > (application == .voip ? 0.95 : 0.99))
        #expect(result.snr > (application == .voip ? 10 : 25))
        #expect(abs(result.lag) <= 2)
    }

    /// The issue's benchmark figure: encoder cost per second of audio (debug build here; release is faster).
    @Test func encoderCostPerSecondOfAudio() throws {
        let input = tone(seconds: 10)
        for bitrate in [32_000, 64_000] {
            let encoder = try OggOpusEncoder(settings: OggOpusEncoder.Settings(bitrate: bitrate))
            let start = DispatchTime.now().uptimeNanoseconds
            var bytes = 0
            for offset in stride(from: 0, to: input.count, by: 480) {
                bytes += try encoder.write(Array(input[offset..<min(input.count, offset + 480)])).reduce(0) { $0 + $1.bytes.count }
            }
            bytes += try encoder.finish().reduce(0) { $0 + $1.bytes.count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print("Opus encoder at \(bitrate / 1000) kbit/s, complexity 10: \(String(format: "%.2f", seconds / 10 * 1000)) ms per second of audio, \(bytes * 8 / 10 / 1000) kbit/s on the wire (Ogg included)")
            #expect(seconds / 10 < 0.25, "encoding keeps far ahead of real time")
        }
    }
}
