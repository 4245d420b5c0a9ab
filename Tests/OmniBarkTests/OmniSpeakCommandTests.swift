import Audio
import Foundation
import Modalities
import Testing
import TestSupport

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
        let clip = FixturePaths.fixtures.appendingPathComponent("clip").path
        let out = folder.appendingPathComponent("o.wav").path
        var c = AdapterConfiguration(hiddenSize: 16, heads: 2, fusionLayers: [1])
        c.audioInputSize = 8
        c.imageInputSize = 32
        let adapters = folder.appendingPathComponent("adapters.safetensors")
        try AdapterCheckpoint.writeInitialised(c, to: adapters)
        let events = folder.appendingPathComponent("events.json")
        try Data(#"[{"kind":"beat","time":1},{"kind":"drum","time":1}]"#.utf8).write(to: events)
        let bad = folder.appendingPathComponent("bad.png")
        try Data("not an image".utf8).write(to: bad)
        let common = ["--model", model, "--adapters", adapters.path, "--out", out, "--seed", "1"]

        let e = try Self.run(["speak", "hi", "--control", events.path] + common)
        #expect(e.status != 0 && e.stderr.contains("\(events.path): event 1, field 'kind'"), "\(e.stderr)")
        let i = try Self.run(["speak", "hi", "--image", bad.path, "--clip", clip] + common)
        #expect(i.status != 0 && i.stderr.contains("\(bad.path): unusable image"), "\(i.stderr)")
        let a = try Self.run(["speak", "hi", "--reference-audio", bad.path] + common)
        #expect(a.status != 0 && a.stderr.contains("\(bad.path): unsupported reference audio"), "\(a.stderr)")
        let many = try Self.run(["speak", "hi", "--fusion-layers", "2"] + common)
        #expect(many.status != 0 && many.stderr.contains("fusion layers 2: the adapter file has only 1"), "\(many.stderr)")
        let none = try Self.run(["speak", "hi", "--fusion-layers", "0"] + common)
        #expect(none.status != 0 && none.stderr.contains("--fusion-layers must be at least 1, got 0"), "\(none.stderr)")
        // Each is found before any generation starts.
        for run in [e, i, a, many, none] { #expect(!run.stderr.contains("semantic:"), "\(run.stderr)") }
    }

    /// Conditioning flags without an adapter file are refused at once with what to do, instead of
    /// being generated and then reported as "given but not used".
    @Test func conditioningWithoutAdaptersSaysWhatIsMissing() throws {
        let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled").path
        let style = try Self.run(["speak", "hi", "--model", model, "--style", "[calm]", "--out", "/tmp/never.wav"])
        #expect(style.status != 0)
        #expect(style.stderr.contains("--style conditions generation through the adapters: add --adapters FILE"), "\(style.stderr)")
        #expect(!style.stderr.contains("given but not used"))
        let image = try Self.run(["speak", "hi", "--model", model, "--adapters", "/x.safetensors", "--image", "/x.png", "--out", "/tmp/never.wav"])
        #expect(image.status != 0 && image.stderr.contains("--image needs --clip DIR"), "\(image.stderr)")
        let missing = try Self.run(["speak", "hi", "--model", model, "--adapters", "/nonexistent/a.safetensors"])
        #expect(missing.status != 0 && missing.stderr.contains("--adapters /nonexistent/a.safetensors: no such file"), "\(missing.stderr)")
        let layers = try Self.run(["speak", "hi", "--model", model, "--fusion-layers", "1", "--out", "/tmp/never.wav"])
        #expect(layers.status != 0 && layers.stderr.contains("--fusion-layers 1 chooses among the adapter file's fusion layers: add --adapters FILE"),
                "\(layers.stderr)")
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
        try Audio.WAVWriter.write((0..<8_000).map { Float(sin(Double($0) * 0.03)) * 0.2 }, sampleRate: 16_000,
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
