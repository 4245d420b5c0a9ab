import Foundation
import Audio
import Testing
import TestSupport

@Suite("WAVReader on truncated and hostile files")
struct WAVHostileTests {
    /// Little-endian helpers for hand-built files.
    private func le(_ value: Int, _ width: Int) -> [UInt8] { (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    private func chunk(_ id: String, _ body: [UInt8], declaredSize: Int? = nil) -> [UInt8] {
        Array(id.utf8) + le(declaredSize ?? body.count, 4) + body + (body.count % 2 == 1 ? [0] : [])
    }
    private func fmt(tag: Int = 1, channels: Int = 1, rate: Int = 8000, bits: Int = 16) -> [UInt8] {
        le(tag, 2) + le(channels, 2) + le(rate, 4) + le(rate * channels * bits / 8, 4) + le(channels * bits / 8, 2) + le(bits, 2)
    }
    private func riff(_ chunks: [UInt8]) -> [UInt8] { Array("RIFF".utf8) + le(4 + chunks.count, 4) + Array("WAVE".utf8) + chunks }

    private func read(_ bytes: [UInt8], in directory: URL, name: String = "h.wav") throws -> (samples: [Float], sampleRate: Int, channels: Int) {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return try WAVReader.read(url)
    }

    @Test("every truncation of a valid file throws a WAVError naming the file", arguments: SampleFormat.allCases)
    func truncationLoop(format: SampleFormat) throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = directory.appendingPathComponent("full.wav")
        try WAVWriter.write([0.1, 0.2, -0.3, 0.4, 0.5, -0.6], sampleRate: 8000, channels: 2, format: format, to: full)
        let bytes = [UInt8](try Data(contentsOf: full))
        #expect(try WAVReader.read(full).samples.count == 6)
        for cut in 0..<bytes.count {
            let url = directory.appendingPathComponent("cut.wav")
            try Data(bytes[0..<cut]).write(to: url)
            do {
                _ = try WAVReader.read(url)
                Issue.record("a file cut at byte \(cut) of \(bytes.count) was accepted")
            } catch let error as WAVError {
                #expect(error.description.contains(url.path))
            }
        }
    }

    @Test("extensible format, unknown chunks and odd-size padding are handled")
    func extensibleAndPadding() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let guid: [UInt8] = le(3, 2) + [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
        let extensible = fmt(tag: 0xFFFE, channels: 1, rate: 16000, bits: 32) + le(22, 2) + le(32, 2) + le(4, 4) + guid
        let samples: [Float] = [0.25, -0.75]
        let data = samples.flatMap { le(Int($0.bitPattern), 4) }
        let bytes = riff(chunk("LIST", Array("odd".utf8)) + chunk("fmt ", extensible) + chunk("junk", [1, 2, 3, 4, 5]) + chunk("data", data))
        let read = try read(bytes, in: directory)
        #expect(read.samples == samples && read.sampleRate == 16000 && read.channels == 1)
        // 8-bit unsigned and 24-bit PCM.
        let eight = try self.read(riff(chunk("fmt ", fmt(bits: 8)) + chunk("data", [128, 255, 0])), in: directory)
        #expect(eight.samples == [0, 127.0 / 128, -1])
        let twentyFour = try self.read(riff(chunk("fmt ", fmt(bits: 24)) + chunk("data", le(-4_194_304, 3) + le(4_194_304, 3))), in: directory)
        #expect(twentyFour.samples == [-0.5, 0.5])
    }

    @Test("hostile headers throw typed errors with offsets")
    func hostile() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("h.wav").path
        let data = chunk("data", le(0, 2) + le(1000, 2))
        let cases: [([UInt8], WAVError)] = [
            (Array("RIFX".utf8) + le(4, 4) + Array("WAVE".utf8), .malformed(file: path, offset: 0, reason: "does not start with 'RIFF' (found 'RIFX')")),
            (riff(data), .malformed(file: path, offset: 12, reason: "'data' chunk before the 'fmt ' chunk")),
            (riff(chunk("LIST", [1, 2])), .malformed(file: path, offset: 22, reason: "no 'fmt ' chunk")),
            (riff(chunk("fmt ", fmt())), .malformed(file: path, offset: 36, reason: "no 'data' chunk")),
            (riff(chunk("fmt ", fmt()) + chunk("data", [1, 2], declaredSize: 0x7FFF_FFF0)),
             .truncated(file: path, item: "'data' chunk", offset: 44, needed: 0x7FFF_FFF0, available: 2)),
            (riff(chunk("LIST", [], declaredSize: Int(UInt32.max)) + chunk("fmt ", fmt()) + data),
             .truncated(file: path, item: "'LIST' chunk", offset: 20, needed: Int(UInt32.max), available: 36)),
            (riff(chunk("fmt ", fmt(channels: 0)) + data), .malformed(file: path, offset: 22, reason: "zero channels")),
            (riff(chunk("fmt ", fmt(rate: 0)) + data), .malformed(file: path, offset: 24, reason: "sample rate 0")),
            (riff(chunk("fmt ", Array(fmt().prefix(12))) + data),
             .malformed(file: path, offset: 12, reason: "'fmt ' chunk is 12 bytes, at least 16 are required")),
            (riff(chunk("fmt ", fmt()) + chunk("fmt ", fmt()) + data), .malformed(file: path, offset: 36, reason: "a second 'fmt ' chunk")),
        ]
        for (bytes, expected) in cases {
            #expect(throws: expected) { try read(bytes, in: directory) }
        }
        #expect(throws: WAVError.self) { try read(riff(chunk("fmt ", fmt(tag: 2, bits: 4)) + data), in: directory) } // ADPCM
        #expect(throws: WAVError.self) { try read(riff(chunk("fmt ", fmt(channels: 60_000)) + data), in: directory) }
        #expect(throws: WAVError.self) { try read(riff(chunk("fmt ", fmt(tag: 3, bits: 16)) + data), in: directory) }
        #expect(throws: WAVError.self) { try WAVReader.read(directory.appendingPathComponent("missing.wav")) }
        #expect(throws: WAVError.self) { try read([], in: directory) }
        // A limit on the file size is checked before reading.
        let url = directory.appendingPathComponent("ok.wav")
        try WAVWriter.write([0, 0, 0], sampleRate: 8000, format: .s16, to: url)
        #expect(throws: WAVError.limitExceeded(file: url.path, offset: 0, item: "file size", value: 50, limit: 10)) {
            try WAVReader.read(url, maxBytes: 10)
        }
    }

    @Test("a missing file or a directory is named with the system's reason")
    func unreadable() throws {
        let directory = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("absent.wav")
        #expect(throws: WAVError.unreadable(file: missing.path, reason: "No such file or directory")) { try WAVReader.read(missing) }
        do {
            _ = try WAVReader.read(directory)
            Issue.record("read a directory as WAV")
        } catch {
            let message = "\(error)"
            #expect(message.contains(directory.path), "\(message)")
            for raw in ["Error Domain", "NSCocoaErrorDomain", "The operation could not be completed", "couldn’t be"] {
                #expect(!message.contains(raw), "\(message)")
            }
        }
    }
}
