import Foundation
import Modalities
import Streaming
import Testing

/// `omnibark speak` with the omnimodal options (runs the built tool).
@Suite struct OmniSpeakCommandTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = FixturePaths.omnibark
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func badInputsGiveClearErrors() throws {
        let folder = try FixturePaths.temporaryDirectory("omni-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled").path
        let out = folder.appendingPathComponent("o.wav").path
        let events = folder.appendingPathComponent("events.json")
        try Data(#"[{"kind":"beat","time":1},{"kind":"drum","time":1}]"#.utf8).write(to: events)
        let bad = folder.appendingPathComponent("bad.png")
        try Data("not an image".utf8).write(to: bad)

        let e = try Self.run(["speak", "hi", "--model", model, "--control", events.path, "--out", out, "--seed", "1"])
        #expect(e.status != 0 && e.stderr.contains("\(events.path): event 1, field 'kind'"), "\(e.stderr)")
        let i = try Self.run(["speak", "hi", "--model", model, "--image", bad.path, "--out", out, "--seed", "1"])
        #expect(i.status != 0 && i.stderr.contains("\(bad.path): unusable image"), "\(i.stderr)")
        let a = try Self.run(["speak", "hi", "--model", model, "--reference-audio", bad.path, "--out", out, "--seed", "1"])
        #expect(a.status != 0 && a.stderr.contains("\(bad.path): unsupported reference audio"), "\(a.stderr)")
    }

    @Test func speaksWithAdaptersAndEveryNonImageModality() throws {
        let folder = try FixturePaths.temporaryDirectory("omni-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled").path
        var c = AdapterConfiguration(hiddenSize: 16, heads: 2, fusionLayers: [1])
        c.audioInputSize = 8
        let adapters = folder.appendingPathComponent("adapters.safetensors")
        try AdapterCheckpoint.writeInitialised(c, to: adapters)
        let voice = folder.appendingPathComponent("voice.wav")
        try Streaming.WAVWriter.write((0..<8_000).map { Float(sin(Double($0) * 0.03)) * 0.2 }, sampleRate: 16_000,
                                      format: .s16, to: voice)
        let out = folder.appendingPathComponent("o.wav")
        let r = try Self.run(["speak", "Hello there.", "--model", model, "--reference-audio", voice.path,
                              "--control", FixturePaths.fixtures.appendingPathComponent("fusion/events.json").path,
                              "--adapters", adapters.path, "--style", "[calm]", "--prefer-reference-prosody",
                              "--seed", "5", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("conditioned on text"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.path))
    }
}
