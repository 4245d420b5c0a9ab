import Foundation
import Audio
import Testing
import TestSupport

@Suite("WAV writing and reading")
struct WAVRoundTripTests {
    @Test("f32 round-trips exactly and s16 to within one quantisation step", arguments: SampleFormat.allCases)
    func roundTrip(format: SampleFormat) throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = TestTools.sine(frequency: 440, sampleRate: 24_000, count: 4801) + [1, -1, 0.999, -0.25]
        let url = directory.appendingPathComponent("tone.wav")
        try WAVWriter.write(samples, sampleRate: 24_000, format: format, to: url)
        let read = try WAVReader.read(url)
        #expect(read.sampleRate == 24_000 && read.channels == 1 && read.samples.count == samples.count)
        let worst = zip(read.samples, samples).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= (format == .f32 ? 0 : 1.0 / 16_384), "worst error \(worst)")
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        #expect(size == (format == .f32 ? 58 + 4 * samples.count : 44 + 2 * samples.count))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["tone.wav"])
    }

    @Test("s16 clips to [-1, 1], rounds to nearest and maps NaN to 0")
    func s16Clipping() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("clip.wav")
        try WAVWriter.write([2, -3, .nan, 0.5 / 32767, 1.5 / 32767, .infinity], sampleRate: 8000, format: .s16, to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        let values = stride(from: 44, to: bytes.count, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
        #expect(values == [32767, -32767, 0, 1, 2, 32767])
    }

    @Test("the incremental writer appends in pieces, supports stereo and only appears once finished")
    func incremental() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("stream.wav")
        let writer = try WAVFileWriter(url: url, sampleRate: 48_000, channels: 2, format: .f32)
        try writer.append([0.1, -0.1, 0.2, -0.2])
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(throws: WAVError.self) { try writer.append([0.3]) } // half a frame
        try writer.append([0.3, -0.3])
        try writer.finish()
        let read = try WAVReader.read(url)
        #expect(read.samples == [0.1, -0.1, 0.2, -0.2, 0.3, -0.3] && read.channels == 2 && read.sampleRate == 48_000)
        #expect(throws: WAVError.self) { try writer.append([0, 0]) }
        // A cancelled writer leaves nothing behind.
        let cancelled = try WAVFileWriter(url: directory.appendingPathComponent("gone.wav"), sampleRate: 8000, format: .s16)
        try cancelled.append([0.5])
        cancelled.cancel()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stream.wav"])
    }

    @Test("failed writes never leave a file under the final name")
    func atomicFailures() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope/out.wav")
        do {
            try WAVWriter.write([0], sampleRate: 8000, format: .s16, to: missing)
            Issue.record("wrote into a missing directory")
        } catch let error as WAVError {
            #expect(error.description.contains("does not exist") && error.description.contains(missing.path))
        }
        // The final name is a non-empty directory, so the closing rename fails.
        let blocked = directory.appendingPathComponent("blocked.wav")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("child"), withIntermediateDirectories: true)
        #expect(throws: WAVError.self) { try WAVWriter.write([0.5], sampleRate: 8000, format: .f32, to: blocked) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["blocked.wav"])
        #expect(throws: WAVError.self) { try WAVWriter.write([0.5], sampleRate: 0, format: .f32, to: directory.appendingPathComponent("a.wav")) }
        #expect(throws: WAVError.self) { try WAVWriter.write([0.5], sampleRate: 8000, channels: 2, format: .f32, to: directory.appendingPathComponent("a.wav")) }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("a.wav").path))
        if getuid() != 0 { // root ignores directory permissions
            let readOnly = directory.appendingPathComponent("ro")
            try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
            #expect(throws: WAVError.self) { try WAVWriter.write([0], sampleRate: 8000, format: .s16, to: readOnly.appendingPathComponent("x.wav")) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: readOnly.path).isEmpty)
        }
    }

    @Test("files written by sox and ffmpeg are read", arguments: [
        ("sox", ["-n", "-r", "22050", "-b", "24", "-c", "2", "OUT", "synth", "0.1", "sine", "440"], 22_050, 2),
        ("sox", ["-n", "-r", "16000", "-b", "8", "-e", "unsigned", "OUT", "synth", "0.1", "sine", "440"], 16_000, 1),
        ("sox", ["-n", "-r", "24000", "-e", "floating-point", "-b", "64", "OUT", "synth", "0.1", "sine", "440"], 24_000, 1),
        ("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.1:sample_rate=44100",
                    "-c:a", "pcm_s32le", "-metadata", "title=odd", "-y", "OUT"], 44_100, 1),
        ("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.1:sample_rate=48000",
                    "-ac", "3", "-c:a", "pcm_f32le", "-y", "OUT"], 48_000, 3),
    ])
    func externalTools(tool: String, arguments: [String], rate: Int, channels: Int) throws {
        guard let executable = TestTools.which(tool) else {
            print("WAVRoundTripTests: \(tool) not installed; skipping (.ci/run installs it)")
            return
        }
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("ext.wav")
        let status = try TestTools.run(executable, arguments.map { $0 == "OUT" ? url.path : $0 })
        try #require(status == 0, "\(tool) failed")
        let read = try WAVReader.read(url)
        #expect(read.sampleRate == rate && read.channels == channels)
        #expect(read.samples.count >= rate / 10 * channels - channels && read.samples.count <= rate / 10 * channels + channels)
        let peak = read.samples.map(abs).max() ?? 0
        #expect(peak > 0.05 && peak <= 1)
    }
}
