import Audio
import Foundation
import OmniBark
import Testing
import TestSupport
import Watermark

/// Every output path marks by default: `speak` (WAV) and `live --sink wav:` carry the mark of
/// the key in `--watermark-key`, which is created with mode 0600; `--no-watermark` output does
/// not. The demo model's output is noise-like (its weights are random), the hardest material for
/// the detector, so the clips are 9 s and the detector searches speed 1 only (these paths do not
/// change speed), which lowers the score needed for a false-alarm probability of 1e-3.
@Suite(.serialized) struct WatermarkOutputTests {
    static let text = "Hello world, this is a longer demo of the engine."
    static let arguments = ["--seed", "3", "--max-semantic-tokens", "450"]

    private func detect(_ url: URL, key: URL) throws -> WatermarkDetection {
        let audio = try WAVReader.read(url)
        return try WatermarkDetector(key: try WatermarkKey.load(from: key), speeds: [1]).detect(audio.samples, sampleRate: audio.sampleRate)
    }

    /// A fixed key, so the scores are the same on every run (the demo output is deterministic too).
    private func fixedKey(in folder: URL) throws -> URL {
        let key = folder.appendingPathComponent("watermark.key")
        try Data((String(repeating: "5a", count: 32) + "\n").utf8).write(to: key)
        return key
    }

    private func demoModel(in folder: URL) throws -> URL {
        let model = folder.appendingPathComponent("demo")
        try DemoModel.create(at: model)
        return model
    }

    @Test func speakMarksByDefault() throws {
        let folder = try FixturePaths.temporaryDirectory("watermark-speak")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try demoModel(in: folder)
        let key = try fixedKey(in: folder)
        let marked = folder.appendingPathComponent("marked.wav"), plain = folder.appendingPathComponent("plain.wav")
        let run = try CommandRun.omnibark(["speak", "--model", model.path, "--watermark-key", key.path, "--sample-format", "f32",
                                           "--out", marked.path, "-q", Self.text] + Self.arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try detect(marked, key: key)
        #expect(result.detected, "score \(result.score)")
        if let payload = result.payload {
            #expect(payload == WatermarkPayload(keyID: try WatermarkKey.load(from: key).id, modelID: payload.modelID, session: 3))
        }
        let unmarked = try CommandRun.omnibark(["speak", "--model", model.path, "--watermark-key", key.path, "--no-watermark",
                                                "--sample-format", "f32", "--out", plain.path, "-q", Self.text] + Self.arguments)
        #expect(unmarked.status == 0, "\(unmarked.stderr)")
        #expect(try !detect(plain, key: key).detected)
        // The mark is quiet: ≥ 29 dB SI-SNR against the unmarked output of the same seed.
        let (a, b) = (try WAVReader.read(plain).samples, try WAVReader.read(marked).samples)
        #expect((SignalQuality.siSNR(reference: a, estimate: b) ?? 0) >= 29)
    }

    @Test func liveWAVSinkIsMarked() throws {
        let folder = try FixturePaths.temporaryDirectory("watermark-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try demoModel(in: folder)
        let key = try fixedKey(in: folder)
        let wav = folder.appendingPathComponent("live.wav")
        let run = try CommandRun.omnibark(["live", "--model", model.path, "--watermark-key", key.path, "--sink", "wav:\(wav.path)",
                                           Self.text] + Self.arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try detect(wav, key: key)
        #expect(result.detected, "score \(result.score)")
    }

    @Test func detectCommandReportsJSONPerFileAndNamesBadKeys() throws {
        let folder = try FixturePaths.temporaryDirectory("watermark-detect")
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = try fixedKey(in: folder)
        let original = folder.appendingPathComponent("speech.wav"), marked = folder.appendingPathComponent("marked.wav")
        try WAVWriter.write(SyntheticAudio.speechLike(seconds: 8, seed: 21), sampleRate: 24_000, format: .f32, to: original)
        let embed = try CommandRun.omnibark(["watermark", "embed", "--watermark-key", key.path, "--session", "9", original.path, marked.path])
        #expect(embed.status == 0, "\(embed.stderr)")
        let run = try CommandRun.omnibark(["watermark", "detect", "--key", key.path, "--json", marked.path, original.path])
        #expect(run.status == 0, "\(run.stderr)")
        let objects = run.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 2)
        #expect(objects.first?["file"] as? String == marked.path)
        #expect(objects.first?["detected"] as? Bool == true)
        #expect(objects.first?.keys.contains("payload") == true)  // null when the CRC fails on a short clip
        #expect(objects.last?["detected"] as? Bool == false)
        for object in objects {
            #expect(object["score"] is Double && object["false_alarm_probability"] is Double)
        }
        let text = try CommandRun.omnibark(["watermark", "detect", "--key", key.path, marked.path])
        #expect(text.stdout.contains("marked.wav: marked"), "\(text.stdout)")
        // --speed-one-share 0.04 gives all 2,400 alignments the same share: the plain union bound,
        // over the 6 searches of an 8 s file (the whole, and 3 s windows from 0, 1.5, 3, 4.5 and 5 s).
        let plain = try CommandRun.omnibark(["watermark", "detect", "--key", key.path, "--json", "--speed-one-share", "0.04", marked.path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any], "\(plain.stderr)")
        let score = try #require(object["score"] as? Double), probability = try #require(object["false_alarm_probability"] as? Double)
        let expected = min(1, 6 * 2400 * exp(-score * score / 2))
        #expect(abs(probability - expected) <= 1e-6 * expected, "\(probability) against \(expected)")
        let outOfRange = try CommandRun.omnibark(["watermark", "detect", "--key", key.path, "--speed-one-share", "1.5", marked.path])
        #expect(outOfRange.status != 0 && outOfRange.stderr.contains("--speed-one-share must be between 0 and 1"), "\(outOfRange.stderr)")
        // A key that is not one is named with what was expected.
        let bad = folder.appendingPathComponent("bad.key")
        try Data("not a key\n".utf8).write(to: bad)
        let refused = try CommandRun.omnibark(["watermark", "detect", "--key", bad.path, marked.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(bad.path) && refused.stderr.contains("64 hexadecimal digits"), "\(refused.stderr)")
    }

    /// `--watermark-key` names a file that does not exist yet: it is created with mode 0600 (its
    /// new directory 0700) holding a key that then detects the mark.
    @Test func firstUseCreatesAPrivateKeyFile() throws {
        let folder = try FixturePaths.temporaryDirectory("watermark-key")
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = folder.appendingPathComponent("config/omnibark/watermark.key")
        let original = folder.appendingPathComponent("speech.wav"), marked = folder.appendingPathComponent("marked.wav")
        try WAVWriter.write(SyntheticAudio.speechLike(seconds: 8, seed: 21), sampleRate: 24_000, format: .f32, to: original)
        let run = try CommandRun.omnibark(["watermark", "embed", "--watermark-key", key.path, original.path, marked.path])
        #expect(run.status == 0, "\(run.stderr)")
        let attributes = { (path: String) in try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        #expect(try attributes(key.path) == 0o600)
        #expect(try attributes(key.deletingLastPathComponent().path) == 0o700)
        #expect(try WatermarkKey.load(from: key).bytes.count == 32)
        #expect(try detect(marked, key: key).detected)
    }
}
