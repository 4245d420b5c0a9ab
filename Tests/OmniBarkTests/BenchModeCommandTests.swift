import Foundation
import Testing
import TestSupport

/// `omnibark bench --mode live --json` on the demo model: today's keys plus `mode` and the live
/// settings; exact mode reports `mode: exact` without settings; the coarse stage's prefill passes
/// show the live shortcut.
@Suite struct BenchModeCommandTests {
    static let exactKeys: Set<String> = ["model", "mode", "weights", "kv_cache", "kernels", "threads", "load_s", "weight_cache", "audio_s",
                                         "real_time_factor", "streaming_real_time_factor", "time_to_first_audio_s", "gapless_start_s",
                                         "peak_memory_mib", "stages", "pool_contention"]

    func bench(_ mode: String, home: URL) throws -> [String: Any] {
        let run = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "4", "--threads", "1", "--mode", mode, "--json"],
                                          environment: ["OMNIBARK_HOME": home.path, "TMPDIR": home.path])
        #expect(run.status == 0, "\(run.stderr)")
        return (try JSONSerialization.jsonObject(with: run.stdoutData) as? [String: Any]) ?? [:]
    }

    @Test func liveModeReportsSettingsBesideTodaysKeys() throws {
        let home = try FixturePaths.temporaryDirectory("bench-mode")
        defer { try? FileManager.default.removeItem(at: home) }
        let exact = try bench("exact", home: home)
        #expect(Set(exact.keys) == Self.exactKeys)
        #expect(exact["mode"] as? String == "exact")
        // `--threads 1` sizes the kernels' thread pool too, not only OpenBLAS (the pool once kept
        // every core, so a "one thread" run computed on two).
        #expect(exact["threads"] as? Int == 1, "threads \(exact["threads"] ?? "nil")")
        let live = try bench("live", home: home)
        #expect(Set(live.keys) == Self.exactKeys.union(["live_settings"]))
        #expect(live["mode"] as? String == "live")
        let settings = live["live_settings"] as? [String: Int]
        #expect(settings == ["coarse_history": 270, "coarse_minimum_lookahead": -1, "fine_chunk": 64, "fine_lookahead": 16, "fine_context": 48,
                             "fine_codebooks": -1, "fine_first_chunk": -1, "coarse_live_first_window": 0, "semantic_paced": 0])
        func coarse(_ report: [String: Any]) -> [String: Any] { ((report["stages"] as? [String: Any])?["coarse"] as? [String: Any]) ?? [:] }
        // 4 s: 200 semantic tokens, 600 coarse tokens, 10 windows.
        #expect(coarse(exact)["windows"] as? Int == 10)
        #expect(coarse(exact)["prefill_passes"] as? Int == 10)
        #expect(coarse(live)["windows"] as? Int == 10)
        #expect((coarse(live)["prefill_passes"] as? Int ?? 10) < 5)
        // The codec twice: the offline one-shot decode and the streaming decoder of the streamed run.
        for report in [exact, live] {
            let codec = ((report["stages"] as? [String: Any])?["codec"] as? [String: Double]) ?? [:]
            #expect(Set(codec.keys) == ["seconds", "s_per_audio_s", "streaming_seconds", "streaming_s_per_audio_s"])
            let streamed = codec["streaming_seconds"] ?? 0, audio = report["audio_s"] as? Double ?? 0
            #expect(streamed > 0 && streamed < (report["streaming_real_time_factor"] as? Double ?? 0) * audio, "\(codec)")
            #expect(abs((codec["streaming_s_per_audio_s"] ?? 0) - streamed / audio) < 1e-9)
        }
    }
}
