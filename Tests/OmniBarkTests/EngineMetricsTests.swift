import Foundation
import Testing
@testable import OmniBark

/// The Prometheus exposition of `EngineMetrics`, parsed back: names, types, help, values,
/// monotonic counters and the time-to-first-audio histogram.
@Suite struct EngineMetricsTests {
    /// The text format 0.0.4 read back: samples by `name{labels}`, `# TYPE` and `# HELP` by name.
    struct Exposition {
        var samples: [String: Double] = [:]
        var types: [String: String] = [:]
        var help: [String: String] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n").map(String.init) {
                if line.hasPrefix("# TYPE ") {
                    let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                    types[parts[0]] = parts[1]
                } else if line.hasPrefix("# HELP ") {
                    let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                    help[parts[0]] = parts[1]
                } else if let space = line.lastIndex(of: " ") {
                    samples[String(line[..<space])] = Double(line[line.index(after: space)...])
                }
            }
        }
    }

    static let counters = ["omnibark_utterances_total", "omnibark_requests_total", "omnibark_requests_failed_total",
                           "omnibark_audio_seconds_total", "omnibark_compute_seconds_total", "omnibark_underruns_total",
                           "omnibark_listener_drops_total", "omnibark_events_total"]
    static let gauges = ["omnibark_queue_depth", "omnibark_speaking", "omnibark_real_time_factor", "omnibark_listeners"]

    func snapshot(queue: Int, speaking: Bool, utterances: Int, requests: Int, failed: Int, audio: Double, compute: Double,
                  underruns: Int, listeners: Int, drops: Int, events: [Int]) -> EngineMetricsSnapshot {
        var s = EngineMetricsSnapshot()
        s.queueDepth = queue
        s.speaking = speaking
        s.utterances = utterances
        s.requests = requests
        s.failedRequests = failed
        s.audioSeconds = audio
        s.computeSeconds = compute
        s.underruns = underruns
        s.listeners = listeners
        s.listenerDrops = drops
        (s.eventsReceived, s.eventsApplied, s.eventsDropped, s.eventsMalformed) = (events[0], events[1], events[2], events[3])
        return s
    }

    func events(_ e: Exposition) -> [Double?] {
        EngineMetrics.eventStates.map { e.samples["omnibark_events_total{state=\"\($0)\"}"] }
    }

    @Test func everyMetricHasItsTypeAndHelp() {
        let e = Exposition(EngineMetrics().exposition())
        for name in Self.counters { #expect(e.types[name] == "counter", "\(name)") }
        for name in Self.gauges { #expect(e.types[name] == "gauge", "\(name)") }
        #expect(e.types["omnibark_time_to_first_audio_seconds"] == "histogram")
        for name in Self.counters + Self.gauges + ["omnibark_time_to_first_audio_seconds"] {
            #expect(!(e.help[name] ?? "").isEmpty, "\(name) has no HELP")
        }
        #expect(e.samples["omnibark_utterances_total"] == 0 && e.samples["omnibark_real_time_factor"] == 0)
        #expect(e.samples["omnibark_last_time_to_first_audio_seconds"] == nil, "no value before the first utterance")
    }

    @Test func twoUpdatesSetGaugesAndAdvanceCounters() {
        let metrics = EngineMetrics()
        var first = snapshot(queue: 3, speaking: true, utterances: 2, requests: 5, failed: 1, audio: 10, compute: 5,
                             underruns: 1, listeners: 4, drops: 0, events: [10, 8, 1, 1])
        first.lastTimeToFirstAudio = 0.8
        metrics.update(first)
        var e = Exposition(metrics.exposition())
        #expect(e.samples["omnibark_queue_depth"] == 3 && e.samples["omnibark_speaking"] == 1 && e.samples["omnibark_listeners"] == 4)
        #expect(e.samples["omnibark_utterances_total"] == 2 && e.samples["omnibark_requests_total"] == 5)
        #expect(e.samples["omnibark_requests_failed_total"] == 1 && e.samples["omnibark_underruns_total"] == 1)
        #expect(e.samples["omnibark_listener_drops_total"] == 0)
        #expect(e.samples["omnibark_audio_seconds_total"] == 10 && e.samples["omnibark_compute_seconds_total"] == 5)
        #expect(e.samples["omnibark_real_time_factor"] == 0.5)
        #expect(e.samples["omnibark_last_time_to_first_audio_seconds"] == 0.8)
        #expect(events(e) == [10, 8, 1, 1])

        let second = snapshot(queue: 0, speaking: false, utterances: 5, requests: 9, failed: 1, audio: 25, compute: 20,
                              underruns: 3, listeners: 2, drops: 1, events: [20, 15, 3, 2])
        metrics.update(second)
        e = Exposition(metrics.exposition())
        #expect(e.samples["omnibark_queue_depth"] == 0 && e.samples["omnibark_speaking"] == 0 && e.samples["omnibark_listeners"] == 2)
        #expect(e.samples["omnibark_utterances_total"] == 5 && e.samples["omnibark_requests_total"] == 9)
        #expect(e.samples["omnibark_requests_failed_total"] == 1 && e.samples["omnibark_underruns_total"] == 3)
        #expect(e.samples["omnibark_listener_drops_total"] == 1)
        #expect(e.samples["omnibark_audio_seconds_total"] == 25 && e.samples["omnibark_compute_seconds_total"] == 20)
        #expect(e.samples["omnibark_real_time_factor"] == 0.8)
        #expect(e.samples["omnibark_last_time_to_first_audio_seconds"] == 0.8, "kept when the snapshot has none")
        #expect(events(e) == [20, 15, 3, 2])
    }

    @Test func countersNeverGoBackwards() {
        let metrics = EngineMetrics()
        metrics.update(snapshot(queue: 0, speaking: false, utterances: 5, requests: 5, failed: 2, audio: 30, compute: 10,
                                underruns: 4, listeners: 0, drops: 2, events: [9, 9, 0, 0]))
        // The engine restarted: its counts begin again from lower values.
        metrics.update(snapshot(queue: 0, speaking: false, utterances: 1, requests: 1, failed: 0, audio: 2, compute: 1,
                                underruns: 0, listeners: 0, drops: 0, events: [1, 1, 0, 0]))
        var e = Exposition(metrics.exposition())
        #expect(e.samples["omnibark_utterances_total"] == 5 && e.samples["omnibark_audio_seconds_total"] == 30)
        #expect(e.samples["omnibark_requests_failed_total"] == 2 && events(e) == [9, 9, 0, 0])
        // …and the lower values are the new baseline.
        metrics.update(snapshot(queue: 0, speaking: false, utterances: 3, requests: 3, failed: 1, audio: 6, compute: 3,
                                underruns: 1, listeners: 0, drops: 0, events: [4, 2, 1, 1]))
        e = Exposition(metrics.exposition())
        #expect(e.samples["omnibark_utterances_total"] == 7 && e.samples["omnibark_requests_total"] == 7)
        #expect(e.samples["omnibark_audio_seconds_total"] == 34 && e.samples["omnibark_compute_seconds_total"] == 12)
        #expect(e.samples["omnibark_requests_failed_total"] == 3 && e.samples["omnibark_underruns_total"] == 5)
        #expect(events(e) == [12, 10, 1, 1])
        // Non-finite seconds are ignored.
        var broken = snapshot(queue: 0, speaking: false, utterances: 3, requests: 3, failed: 1, audio: .nan, compute: .infinity,
                              underruns: 1, listeners: 0, drops: 0, events: [4, 2, 1, 1])
        broken.lastTimeToFirstAudio = -1
        metrics.update(broken)
        e = Exposition(metrics.exposition())
        #expect(e.samples["omnibark_audio_seconds_total"] == 34 && e.samples["omnibark_compute_seconds_total"] == 12)
        #expect(e.samples["omnibark_real_time_factor"] == 0.5)
        #expect(e.samples["omnibark_last_time_to_first_audio_seconds"] == nil)
    }

    @Test func theHistogramCountsTimesToFirstAudio() {
        let metrics = EngineMetrics()
        for seconds in [0.05, 0.8, 3, 100, -1, .nan, .infinity] { metrics.recordTimeToFirstAudio(seconds) }
        let e = Exposition(metrics.exposition())
        let name = "omnibark_time_to_first_audio_seconds"
        let expected: [(String, Double)] = [("0.1", 1), ("0.25", 1), ("0.5", 1), ("1.0", 2), ("2.0", 2), ("5.0", 3),
                                            ("10.0", 3), ("30.0", 3), ("60.0", 3), ("+Inf", 4)]
        #expect(EngineMetrics.timeToFirstAudioBuckets.first == 0.1 && EngineMetrics.timeToFirstAudioBuckets.last == 60)
        #expect(EngineMetrics.timeToFirstAudioBuckets.count + 1 == expected.count)
        for (bound, count) in expected {
            #expect(e.samples["\(name)_bucket{le=\"\(bound)\"}"] == count, "le=\(bound)")
        }
        #expect(e.samples["\(name)_count"] == 4)
        #expect(abs((e.samples["\(name)_sum"] ?? 0) - 103.85) < 1e-9)
    }

    @Test func instancesAreIndependent() {
        let one = EngineMetrics()
        let two = EngineMetrics()
        one.update(snapshot(queue: 1, speaking: true, utterances: 4, requests: 4, failed: 0, audio: 1, compute: 1,
                            underruns: 0, listeners: 0, drops: 0, events: [0, 0, 0, 0]))
        one.recordTimeToFirstAudio(1)
        let e = Exposition(two.exposition())
        #expect(e.samples["omnibark_utterances_total"] == 0 && e.samples["omnibark_queue_depth"] == 0)
        #expect(e.samples["omnibark_time_to_first_audio_seconds_count"] == 0)
    }

    @Test func theHTTPResponseIsTheExposition() {
        let metrics = EngineMetrics()
        metrics.update(snapshot(queue: 2, speaking: false, utterances: 1, requests: 1, failed: 0, audio: 1, compute: 1,
                                underruns: 0, listeners: 0, drops: 0, events: [0, 0, 0, 0]))
        let response = metrics.httpResponse()
        #expect(response.status == 200)
        #expect(response.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(String(decoding: response.body, as: UTF8.self) == metrics.exposition())
    }
}
