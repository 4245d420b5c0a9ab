import Audio
import Bark
import Checkpoints
import Foundation
import Testing
import TestSupport

/// Runs the built `omnibark` binary as a user would.
@Suite struct SpeakCommandTests {
    func omnibark(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandRun {
        try CommandRun.omnibark(arguments, environment: environment)
    }

    /// The acceptance command: greedy speak on a tiny HF model with a real voice reproduces
    /// transformers' tokens (in the saved preset) and waveform (in the WAV).
    @Test func greedySpeakReproducesTheReferenceTokensAndWaveform() throws {
        let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-real")
        let folder = try FixturePaths.temporaryDirectory("speak")
        defer { try? FileManager.default.removeItem(at: folder) }
        let wav = folder.appendingPathComponent("x.wav"), preset = folder.appendingPathComponent("x.npz")
        let run = try omnibark(["speak", "--model", model.path, "--greedy", "--text", "Hello, my dog is cute.",
                                "--voice", "v2/en_speaker_6", "--max-semantic-tokens", "40", "--sample-format", "f32", "--no-watermark",
                                "--save-preset", preset.path, "--out", wav.path])
        #expect(run.status == 0, "\(run.stderr)")
        guard run.status == 0 else { return }
        #expect(run.stderr.contains("real-time factor"))

        func reference(_ name: String) throws -> [Int] {
            try NumpyArray(contentsOf: model.appendingPathComponent("reference/voice_\(name).npy")).integers()
        }
        let saved = try NPZArchive(url: preset)
        #expect(try saved.integers("semantic_prompt") == reference("semantic"))
        let fine = try reference("fine")
        #expect(try saved.integers("fine_prompt") == fine)
        #expect(try saved.integers("coarse_prompt") == Array(fine.prefix(fine.count / 8 * 2)))

        let audio = try WAVReader.read(wav)
        #expect(audio.sampleRate == 24_000 && audio.channels == 1)
        let expected = try NumpyArray(contentsOf: model.appendingPathComponent("reference/voice_audio.npy")).floats()
        #expect(audio.samples.count == expected.count)
        let worst = zip(audio.samples, expected).map { abs($0 - $1) }.max() ?? 1
        let scale = expected.map(abs).max() ?? 1
        #expect(worst / scale <= 1e-4)
    }

    /// A model that is named but absent fails with how to get one (with nothing named, the bundled
    /// OmniBark-tiny speaks: `BundledModelTests`).
    @Test func missingModelExplainsHowToGetOne() throws {
        let home = try FixturePaths.temporaryDirectory("home")
        defer { try? FileManager.default.removeItem(at: home) }
        let absent = home.appendingPathComponent("models/never-pulled").path
        let run = try omnibark(["speak", "hello"], environment: ["OMNIBARK_HOME": home.path, "OMNIBARK_MODEL": absent])
        #expect(run.status != 0)
        #expect(run.stderr.contains("no Bark model found at \(absent) ($OMNIBARK_MODEL)"), "\(run.stderr)")
        #expect(run.stderr.contains("omnibark models pull bark-small"))
        #expect(run.stderr.contains("create-demo"))
    }

    @Test func demoModelThroughTheCommandLine() throws {
        let folder = try FixturePaths.temporaryDirectory("cli-demo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("demo")
        let created = try omnibark(["models", "create-demo", "--to", model.path])
        #expect(created.status == 0, "\(created.stderr)")
        let wav = folder.appendingPathComponent("demo.wav")
        let run = try omnibark(["speak", "--model", model.path, "--voice", "v2/demo_speaker_0", "--seed", "5",
                                "--max-semantic-tokens", "12", "--out", wav.path, "Hello world."])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "weights are random").count == 2, "the demo warning appears once")
        let audio = try WAVReader.read(wav)
        #expect(audio.samples.count > 0 && audio.samples.count % 320 == 0)
        // Quantized weights run through the same pipeline.
        let quantized = try omnibark(["speak", "--model", model.path, "--weights", "int8", "--greedy",
                                      "--max-semantic-tokens", "12", "--out", wav.path, "Hello world."])
        #expect(quantized.status == 0, "\(quantized.stderr)")
        // Bad input is named.
        let bad = try omnibark(["speak", "--model", model.path, "--voice", "v2/nobody", "Hi", "--out", wav.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("v2/nobody"))
    }
}
