import Foundation
import Testing
import Audio
@testable import OmniBark
import TestSupport

/// The bundled OmniBark-tiny: found inside the repository, used when no model is given or pulled,
/// and it speaks (stops by itself after a sentence's worth of audio, as a trained model does).
@Suite struct BundledModelTests {
    @Test func nothingGivenOrPulledFallsBackToTheBundledModel() throws {
        let home = try FixturePaths.temporaryDirectory("bundled-home")
        let bundled = try FixturePaths.temporaryDirectory("bundled-model")
        defer { for url in [home, bundled] { try? FileManager.default.removeItem(at: url) } }
        try Data("{}".utf8).write(to: bundled.appendingPathComponent("config.json"))
        let resolution = try ModelResolver.resolution(explicit: nil, environment: ["OMNIBARK_HOME": home.path], bundled: bundled)
        #expect(resolution == ModelResolver.Resolution(url: bundled, source: "bundled"))
        #expect(resolution.isBundled)
        #expect(BundledModel.notice(directory: bundled).contains("bundled OmniBark-tiny (\(bundled.path))"))
    }

    @Test func pulledBarkSmallAndTheEnvironmentWinOverTheBundledModel() throws {
        let home = try FixturePaths.temporaryDirectory("bundled-pulled")
        let bundled = try FixturePaths.temporaryDirectory("bundled-other")
        defer { for url in [home, bundled] { try? FileManager.default.removeItem(at: url) } }
        let pulled = home.appendingPathComponent("models/bark-small")
        try FileManager.default.createDirectory(at: pulled, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: pulled.appendingPathComponent("config.json"))
        let environment = ["OMNIBARK_HOME": home.path]
        let fromDefault = try ModelResolver.resolution(explicit: nil, environment: environment, bundled: bundled)
        #expect(fromDefault.source == "default location" && fromDefault.url.path == pulled.path)
        let fromVariable = try ModelResolver.resolution(explicit: nil, environment: ["OMNIBARK_MODEL": pulled.path], bundled: bundled)
        #expect(fromVariable.source == "$OMNIBARK_MODEL")
    }

    @Test func withoutABundledModelTheDefaultLocationIsReportedMissing() throws {
        let home = try FixturePaths.temporaryDirectory("bundled-none")
        defer { try? FileManager.default.removeItem(at: home) }
        let error = #expect(throws: ModelResolutionError.self) {
            try ModelResolver.resolution(explicit: nil, environment: ["OMNIBARK_HOME": home.path], bundled: nil)
        }
        #expect(error == .notFound(path: home.appendingPathComponent("models/bark-small").path, source: "default location"))
    }

    @Test func theRepositoryShipsTheModel() throws {
        let directory = try #require(BundledModel.directory())
        #expect(directory.path.hasSuffix(BundledModel.relativePath))
        // A binary copied out of the checkout still finds it (through the source path it was built from).
        let elsewhere = URL(fileURLWithPath: "/usr/local/bin/omnibark")
        #expect(BundledModel.directory(executable: elsewhere)?.standardizedFileURL == directory.standardizedFileURL)
        for name in ["config.json", "model.safetensors", "generation_config.json", "vocab.txt", "tokenizer_config.json",
                     "speaker_embeddings_path.json", "README.md", "adapters.safetensors", "clip/config.json",
                     "clip/model.safetensors", "examples/slow.png", "examples/slow.wav", "examples/beat.json"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), "\(name)")
        }
    }

    /// A trained model ends a short sentence with EOS after about as many semantic tokens as the
    /// teacher's audio has frames; the random demo model never does (it runs to max_new_tokens).
    @Test func theBundledModelSpeaksASentenceAndStops() throws {
        let directory = try #require(BundledModel.directory())
        let model = try SpeechModel(directory: directory)
        var options = SpeechOptions()
        options.greedy = true
        let result = try model.speak("Anna saw the little red boat today.", options: options)
        let generation = try #require(result.segments.first)
        let eos = model.generator.configuration.semantic.eosToken
        #expect(generation.semantic.last == eos, "semantic stage did not stop: \(generation.semantic.count) tokens")
        let seconds = Double(result.audio.count) / Double(result.sampleRate)
        // espeak-ng says this sentence in about 2.2 s (with 0.1 s of silence at each end).
        #expect(seconds > 1.2 && seconds < 4.0, "\(seconds) s")
        let rms = (result.audio.reduce(0) { $0 + Double($1 * $1) } / Double(max(1, result.audio.count))).squareRoot()
        #expect(rms > 0.01, "near-silent output, RMS \(rms)")
    }

    /// `omnibark speak` with no model anywhere speaks with the bundled model and says so once.
    @Test func speakWithoutAModelUsesTheBundledOneAndSaysSoOnce() throws {
        let home = try FixturePaths.temporaryDirectory("bundled-cli")
        defer { try? FileManager.default.removeItem(at: home) }
        let out = home.appendingPathComponent("first.wav")
        let run = try ProcessRun.run(URL(fileURLWithPath: "/usr/bin/env"), [
            "-u", "OMNIBARK_MODEL", "OMNIBARK_HOME=\(home.path)", FixturePaths.omnibark.path,
            "speak", "--greedy", "--no-long-form", "--out", out.path, "Anna saw the little red boat today."])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "using the bundled OmniBark-tiny").count == 2, "\(run.stderr)")
        let wav = try WAVReader.read(out)
        #expect(Double(wav.samples.count / wav.channels) / Double(wav.sampleRate) > 1.2)
    }
}
