import Audio
import Foundation
import OmniBark
import Testing
import TestSupport

/// `--fine-codebooks` (live mode's fewer-codebooks shortcut) and `--kv-cache f16` through the CLI
/// on the demo model: `live` streams audio of the same length through the engine (4 codebooks
/// decoded at 3 kbit/s, different samples), `bench` reports both settings, and outside live mode
/// `--fine-codebooks` is refused by name before anything runs.
@Suite(.serialized) struct LiveShortcutsCommandTests {
    static let arguments = ["--seed", "3", "--max-semantic-tokens", "120", "--no-watermark", "--mode", "live"]

    @Test func liveStreamsFewerCodebooksThroughTheEngine() throws {
        let folder = try FixturePaths.temporaryDirectory("fine-codebooks-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("demo")
        try DemoModel.create(at: model)
        func live(_ extra: [String], _ name: String) throws -> [Float] {
            let wav = folder.appendingPathComponent(name)
            let run = try CommandRun.omnibark(["live", "--model", model.path, "--sink", "wav:\(wav.path)", "Hello world, this is a test."]
                                              + Self.arguments + extra, environment: ["OMNIBARK_HOME": folder.path])
            #expect(run.status == 0, "\(run.stderr)")
            return try WAVReader.read(wav).samples
        }
        let all = try live([], "all.wav"), four = try live(["--fine-codebooks", "4"], "four.wav")
        #expect(!all.isEmpty)
        #expect(four.count == all.count)
        #expect(four != all)
        let half = try live(["--kv-cache", "f16"], "half.wav")
        #expect(!half.isEmpty)
        // Fast start without a voice: the same coarse tokens (no history to place differently),
        // other fine windows, the same length.
        let fast = try live(["--fast-start"], "fast.wav")
        #expect(fast.count == all.count)
    }

    @Test func benchReportsFastStartAndItsGaplessStart() throws {
        let home = try FixturePaths.temporaryDirectory("fast-start-bench")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["OMNIBARK_HOME": home.path, "TMPDIR": home.path]
        let run = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "2", "--threads", "1", "--mode", "live",
                                           "--fast-start", "--json"], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let report = (try JSONSerialization.jsonObject(with: run.stdoutData) as? [String: Any]) ?? [:]
        let settings = report["live_settings"] as? [String: Int] ?? [:]
        #expect(settings["fine_first_chunk"] == 14 && settings["coarse_live_first_window"] == 1 && settings["semantic_paced"] == 1)
        let first = report["time_to_first_audio_s"] as? Double ?? -1, gapless = report["gapless_start_s"] as? Double ?? -1
        #expect(first > 0 && gapless >= first, "first audio \(first) s, gapless start \(gapless) s")
        let exact = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "2", "--fast-start"], environment: environment)
        #expect(exact.status != 0)
        #expect(exact.stderr.contains("--fast-start is a live-mode shortcut: add --mode live"))
    }

    @Test func benchReportsTheSettingAndExactModeRefusesIt() throws {
        let home = try FixturePaths.temporaryDirectory("fine-codebooks-bench")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["OMNIBARK_HOME": home.path, "TMPDIR": home.path]
        let run = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "2", "--threads", "1", "--mode", "live",
                                           "--fine-codebooks", "4", "--kv-cache", "f16", "--json"], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let report = (try JSONSerialization.jsonObject(with: run.stdoutData) as? [String: Any]) ?? [:]
        #expect((report["live_settings"] as? [String: Int])?["fine_codebooks"] == 4)
        #expect(report["kv_cache"] as? String == "f16")
        #expect((report["audio_s"] as? Double ?? 0) > 1.5)
        let exact = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "2", "--fine-codebooks", "4"], environment: environment)
        #expect(exact.status != 0)
        #expect(exact.stderr.contains("--fine-codebooks 4 is a live-mode shortcut: add --mode live"))
        let tooMany = try CommandRun.omnibark(["bench", "--shape", "demo", "--mode", "live", "--fine-codebooks", "9"], environment: environment)
        #expect(tooMany.status != 0)
        #expect(tooMany.stderr.contains("--fine-codebooks must be 2…8, got 9"))
    }

    /// OmniBark-tiny has 4 fine codebooks: asking for 6 is refused before anything plays, naming the
    /// model's range.
    @Test func moreCodebooksThanTheModelHasAreRefusedByName() throws {
        let home = try FixturePaths.temporaryDirectory("fine-codebooks-tiny")
        defer { try? FileManager.default.removeItem(at: home) }
        let tiny = FixturePaths.repositoryRoot.appendingPathComponent("models/omnibark-tiny").path
        let run = try CommandRun.omnibark(["live", "--model", tiny, "--mode", "live", "--fine-codebooks", "6", "--sink",
                                           "wav:\(home.appendingPathComponent("x.wav").path)", "Hello."],
                                          environment: ["OMNIBARK_HOME": home.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--fine-codebooks 6: this model's fine stage has 4 codebooks (use 2…4)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("x.wav").path))
    }
}
