import Audio
import Foundation
import Streaming
import Testing
import TestSupport

@Suite("WAV stream sink")
struct SinkTests {
    /// Splits `samples` into irregular chunks.
    static func chunks(_ samples: [Float], sizes: [Int] = [1, 480, 17, 2400, 0, 333]) -> [[Float]] {
        var result: [[Float]] = []
        var start = 0
        var i = 0
        while start < samples.count {
            let end = min(samples.count, start + sizes[i % sizes.count])
            result.append(Array(samples[start..<end]))
            start = end
            i += 1
        }
        return result
    }

    static func files(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test("streamed chunks give the same file as writing everything at once", arguments: SampleFormat.allCases)
    func streamedEqualsWhole(format: SampleFormat) throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = testSignal(count: 24_000 + 7)
        let whole = directory.appendingPathComponent("whole.wav")
        try WAVWriter.write(samples, sampleRate: 24_000, format: format, to: whole)

        let url = directory.appendingPathComponent("streamed.wav")
        let sink: any AudioSink = try WAVStreamSink(url: url, sampleRate: 24_000, format: format)
        #expect(sink.sampleRate == 24_000 && sink.channels == 1)
        for chunk in Self.chunks(samples) {
            try sink.write(chunk)
            // Nothing under the final name until finish.
            #expect(!FileManager.default.fileExists(atPath: url.path))
        }
        try sink.finish()
        #expect(try Data(contentsOf: url) == Data(contentsOf: whole))
        #expect(try Self.files(in: directory) == ["streamed.wav", "whole.wav"])
    }

    @Test("cancel, or dropping an unfinished sink, leaves no file")
    func cancelLeavesNothing() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.wav")
        for resample in [false, true] {
            let sink: any AudioSink = resample
                ? try ResamplingSink(try WAVStreamSink(url: url, sampleRate: 48_000), inputRate: 24_000)
                : try WAVStreamSink(url: url, sampleRate: 24_000)
            try sink.write(testSignal(count: 5000))
            #expect(try Self.files(in: directory).count == 1) // the hidden temporary file
            sink.cancel()
            sink.cancel() // idempotent
            #expect(try Self.files(in: directory).isEmpty)
            #expect(throws: WAVError.self) { try sink.write(resample ? [Float](repeating: 0, count: 4096) : [0]) }
            #expect(throws: WAVError.self) { try sink.finish() }
        }
        do {
            let sink = try WAVStreamSink(url: url, sampleRate: 24_000)
            try sink.write([0.1, 0.2])
        }
        #expect(try Self.files(in: directory).isEmpty)
    }

    @Test("finish publishes once; later writes and finishes throw, cancel keeps the file")
    func lifeCycle() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.wav")
        let sink = try WAVStreamSink(url: url, sampleRate: 24_000, channels: 2, format: .s16)
        #expect(throws: WAVError.self) { try sink.write([0.1, 0.2, 0.3]) } // not whole stereo frames
        try sink.write([0.1, 0.2, 0.3, 0.4])
        try sink.finish()
        #expect(throws: WAVError.self) { try sink.finish() }
        #expect(throws: WAVError.self) { try sink.write([0, 0]) }
        sink.cancel()
        let read = try WAVReader.read(url)
        #expect(read.sampleRate == 24_000 && read.channels == 2 && read.samples.count == 4)
        #expect(try Self.files(in: directory) == ["out.wav"])
        // Bad arguments are refused before any file is created.
        #expect(throws: ResamplingError.self) { try WAVStreamSink(url: url, sampleRate: 0) }
        #expect(throws: ResamplingError.self) { try ResamplingSink(try WAVStreamSink(url: url, sampleRate: 24_000), inputRate: -1) }
        #expect(throws: WAVError.self) {
            try WAVStreamSink(url: directory.appendingPathComponent("missing/out.wav"), sampleRate: 24_000)
        }
        #expect(try Self.files(in: directory) == ["out.wav"])
    }

    @Test("a resampling sink writes the file rate and round(frames × ratio) frames",
          arguments: [48_000, 44_100, 16_000])
    func resamplingSink(fileRate: Int) throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.wav")
        let samples = TestTools.sine(frequency: 1000, sampleRate: 24_000, count: 24_000 + 11)
        let file = try WAVStreamSink(url: url, sampleRate: fileRate, format: .f32)
        let sink = try ResamplingSink(file, inputRate: 24_000)
        #expect(sink.sampleRate == 24_000 && file.sampleRate == fileRate)
        for chunk in Self.chunks(samples) { try sink.write(chunk) }
        try sink.finish()
        let read = try WAVReader.read(url)
        let exact = Double(samples.count) * Double(fileRate) / 24_000
        #expect(read.sampleRate == fileRate && read.channels == 1)
        #expect(abs(Double(read.samples.count) - exact) <= 0.5, "\(read.samples.count) frames, exact \(exact)")
        #expect(file.fileSampleCount == read.samples.count)
        // Same samples as the one-shot resampler (f32 stores them unchanged).
        #expect(read.samples == (try StreamingResampler.resample(samples, from: 24_000, to: Double(fileRate))))
        // And still a clean 1 kHz tone at the file rate.
        let margin = fileRate / 20
        let fit = ToneAnalysis.fit(read.samples[margin..<(read.samples.count - margin)],
                                   frequency: 1000, sampleRate: Double(fileRate), offset: margin)
        #expect(abs(20 * log10(fit.amplitude / 0.5)) < 0.1 && fit.residualDB < -80)
    }
}
