import Foundation
import OmniBark
import Testing
import TestSupport

/// `omnibark bench --live-seconds … --events --reference --json` on the demo model, into the
/// private `jackd -d dummy` the command starts itself: the keys are there and the counts are
/// positive. No timing value is checked (timing goals live in the benchmarks).
@Suite(.serialized)
struct BenchLiveCommandTests {
    static func run(_ extra: [String]) throws -> (CommandRun, [String: Any]) {
        let home = try FixturePaths.temporaryDirectory("bench-home")
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try CommandRun.omnibark(["bench", "--shape", "demo", "--seconds", "1", "--live-seconds", "3", "--json"] + extra,
                                          environment: ["OMNIBARK_HOME": home.path])
        let object = (try? JSONSerialization.jsonObject(with: run.stdoutData)) as? [String: Any] ?? [:]
        return (run, object)
    }

    @Test func liveEventsAndReferenceReportTheirFigures() throws {
        let (run, object) = try Self.run(["--events", "--reference"])
        try #require(run.status == 0, "exit \(run.status): \(run.stderr)")
        let live = try #require(object["live"] as? [String: Any], "no live object in \(run.stdout)")
        // The keys that existed before stay.
        for key in ["audio_s", "utterances", "time_to_first_audio_s", "real_time_factor", "underruns", "xruns"] {
            #expect(live[key] != nil, "missing live.\(key)")
        }
        for key in ["time_to_first_audio_p50_s", "time_to_first_audio_p95_s", "time_to_first_audio_max_s", "gaps_per_utterance",
                    "gaps_max", "lead_s_p50", "settings", "notes", "events", "events_not_measured", "reference"] {
            #expect(live[key] != nil, "missing live.\(key)")
        }
        #expect((live["utterances"] as? Int ?? 0) > 0)
        #expect(live["time_to_first_audio_p50_s"] is NSNumber, "no utterance started playing")
        // What the gapless gate learned (GaplessLeadLearning): a number of seconds, within its bounds.
        let correction = try #require(live["gapless_lead_correction_s"] as? Double, "no live.gapless_lead_correction_s")
        #expect(abs(correction) <= GaplessLeadLearning().maximum)

        let settings = try #require(live["settings"] as? [String: Any])
        #expect(settings["gapless"] as? Bool == true)
        #expect(settings["private_server"] as? Bool == true)
        #expect(settings["events"] as? Bool == true)
        #expect(settings["reference"] as? Bool == true)

        let events = try #require(live["events"] as? [String: Any])
        #expect(Set(events.keys) == ["api", "osc", "midi"])
        var applied = 0
        for source in ["api", "osc", "midi"] {
            let figures = try #require(events[source] as? [String: Any], "no events.\(source)")
            for key in ["applied", "dropped", "latency_ms_p50", "latency_ms_p95"] { #expect(figures[key] != nil, "missing events.\(source).\(key)") }
            let count = (figures["applied"] as? Int ?? 0) + (figures["dropped"] as? Int ?? 0)
            #expect(count > 0, "no \(source) event reached the engine: \(figures)")
            applied += figures["applied"] as? Int ?? 0
        }
        #expect(applied > 0, "no event was applied: \(events)")

        let reference = try #require(live["reference"] as? [String: Any])
        for key in ["encoder_s_per_audio_s", "seconds_per_refresh", "refreshes", "window_s"] { #expect(reference[key] != nil, "missing reference.\(key)") }
        #expect((reference["refreshes"] as? Int ?? 0) > 0, "the reference window was never encoded: \(reference)")
    }

    @Test func withoutGaplessTheSettingsSaySo() throws {
        let (run, object) = try Self.run(["--no-gapless"])
        try #require(run.status == 0, "exit \(run.status): \(run.stderr)")
        let live = try #require(object["live"] as? [String: Any], "no live object in \(run.stdout)")
        let settings = try #require(live["settings"] as? [String: Any])
        #expect(settings["gapless"] as? Bool == false)
        #expect(live["events"] == nil && live["reference"] == nil)
        #expect((live["utterances"] as? Int ?? 0) > 0)
    }

    @Test func liveFlagsNeedLiveSeconds() throws {
        let run = try CommandRun.omnibark(["bench", "--shape", "demo", "--events"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--events needs --live-seconds"), "\(run.stderr)")
    }
}
