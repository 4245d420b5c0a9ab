import Foundation
import Prometheus

/// The engine's Prometheus metrics, in its own registry (the global `MetricsSystem` is left
/// alone, so that any number of instances can live side by side, e.g. in tests).
///
/// The metrics are made with the registry's own counters, gauges and histogram, not through
/// swift-metrics' `Counter(label:factory:)`: swift-metrics has no way to pass a metric's help
/// text, and `PrometheusMetricsFactory` registers every metric with an empty one, so the
/// exposition would lose its `# HELP` lines.
///
/// Metrics (`# HELP` text in `exposition()`): `omnibark_queue_depth`, `omnibark_speaking`,
/// `omnibark_utterances_total`, `omnibark_requests_total`, `omnibark_requests_failed_total`,
/// `omnibark_audio_seconds_total`, `omnibark_compute_seconds_total`, `omnibark_real_time_factor`,
/// `omnibark_time_to_first_audio_seconds` (histogram), `omnibark_last_time_to_first_audio_seconds`
/// (once known), `omnibark_underruns_total`, `omnibark_listeners`, `omnibark_listener_drops_total`
/// and `omnibark_events_total{state="received|applied|dropped|malformed"}`.
///
/// Thread safety: the Prometheus counters, gauges, histogram and registry are thread-safe
/// themselves; `last` (the previous snapshot, from which counter deltas are taken) is guarded by
/// `lock`. `update` holds it while it applies a snapshot, so that concurrent updates never count a
/// delta twice, and `exposition()` holds it while it renders, so that a scrape (from any thread,
/// e.g. an HTTP event loop) never sees half a snapshot.
public final class EngineMetrics: @unchecked Sendable {
    /// The time-to-first-audio histogram's upper bounds, in seconds.
    public static let timeToFirstAudioBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]

    /// The control-event states, as the `state` label spells them.
    public static let eventStates = ["received", "applied", "dropped", "malformed"]

    private let registry = PrometheusCollectorRegistry()
    private let queueDepth: Gauge
    private let speaking: Gauge
    private let utterances: Counter
    private let requests: Counter
    private let failedRequests: Counter
    private let audioSeconds: Counter
    private let computeSeconds: Counter
    private let realTimeFactor: Gauge
    private let timeToFirstAudio: ValueHistogram
    private let underruns: Counter
    private let listeners: Gauge
    private let listenerDrops: Counter
    private let events: [Counter]  // in `eventStates` order
    private let lock = NSLock()
    private var last = EngineMetricsSnapshot()

    public init() {
        let r = registry
        queueDepth = r.makeGauge(descriptor: Self.name("queue_depth", help: "Requests waiting to be spoken."))
        speaking = r.makeGauge(descriptor: Self.name("speaking", help: "1 while an utterance is playing, else 0."))
        utterances = r.makeCounter(descriptor: Self.name("utterances", unit: "total", help: "Utterances spoken."))
        requests = r.makeCounter(descriptor: Self.name("requests", unit: "total", help: "Requests received."))
        failedRequests = r.makeCounter(descriptor: Self.name("requests_failed", unit: "total", help: "Requests that were refused or failed."))
        audioSeconds = r.makeCounter(descriptor: Self.name("audio_seconds", unit: "total", help: "Seconds of audio generated."))
        computeSeconds = r.makeCounter(descriptor: Self.name("compute_seconds", unit: "total",
                                                              help: "Seconds spent generating audio (wall clock)."))
        realTimeFactor = r.makeGauge(descriptor: Self.name(
            "real_time_factor", help: "Compute seconds per second of audio since the start (below 1 is faster than real time; 0 before any audio)."))
        timeToFirstAudio = r.makeValueHistogram(descriptor: Self.name("time_to_first_audio", unit: "seconds",
                                                                      help: "Seconds from a request to its first audio, per utterance."),
                                                buckets: Self.timeToFirstAudioBuckets)
        underruns = r.makeCounter(descriptor: Self.name("underruns", unit: "total",
                                                        help: "Output buffer underruns (silence played because audio was late)."))
        listeners = r.makeGauge(descriptor: Self.name("listeners", help: "Stream listeners connected."))
        listenerDrops = r.makeCounter(descriptor: Self.name("listener_drops", unit: "total",
                                                            help: "Listeners dropped because they could not keep up."))
        let events = Self.name("events", unit: "total",
                               help: "Control events by state: received, applied, dropped (late or over the limit), malformed.")
        self.events = Self.eventStates.map { r.makeCounter(descriptor: events, labels: [("state", $0)]) }
    }

    /// `omnibark_<metric>[_<unit>]` with its help text.
    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "omnibark", metricName: metric, unitName: unit, helpText: help)
    }

    /// Takes the engine's state: gauges take the snapshot's values, counters advance by the
    /// increase since the previous snapshot. A count lower than before (the engine was reset)
    /// leaves its counter where it is and becomes the new baseline, so counters never go back.
    /// Non-finite seconds are ignored. Any thread.
    public func update(_ snapshot: EngineMetricsSnapshot) {
        lock.lock()
        defer { lock.unlock() }
        let previous = last
        queueDepth.set(to: Double(snapshot.queueDepth))
        speaking.set(to: snapshot.speaking ? 1 : 0)
        listeners.set(to: Double(snapshot.listeners))
        advance(utterances, from: previous.utterances, to: snapshot.utterances)
        advance(requests, from: previous.requests, to: snapshot.requests)
        advance(failedRequests, from: previous.failedRequests, to: snapshot.failedRequests)
        advance(underruns, from: previous.underruns, to: snapshot.underruns)
        advance(listenerDrops, from: previous.listenerDrops, to: snapshot.listenerDrops)
        advance(events[0], from: previous.eventsReceived, to: snapshot.eventsReceived)
        advance(events[1], from: previous.eventsApplied, to: snapshot.eventsApplied)
        advance(events[2], from: previous.eventsDropped, to: snapshot.eventsDropped)
        advance(events[3], from: previous.eventsMalformed, to: snapshot.eventsMalformed)
        var accepted = snapshot
        if !snapshot.audioSeconds.isFinite { accepted.audioSeconds = previous.audioSeconds }
        if !snapshot.computeSeconds.isFinite { accepted.computeSeconds = previous.computeSeconds }
        advance(audioSeconds, from: previous.audioSeconds, to: accepted.audioSeconds)
        advance(computeSeconds, from: previous.computeSeconds, to: accepted.computeSeconds)
        realTimeFactor.set(to: accepted.audioSeconds > 0 ? accepted.computeSeconds / accepted.audioSeconds : 0)
        let decisions = Self.name("router_decisions", unit: "total",
                                  help: "Latency-router decisions by policy step and action (apply or restore).")
        for (key, count) in snapshot.routerDecisions {
            let parts = key.split(separator: " ").map(String.init)
            guard parts.count == 2 else { continue }
            let counter = registry.makeCounter(descriptor: decisions, labels: [("step", parts[0]), ("action", parts[1])])
            advance(counter, from: previous.routerDecisions[key] ?? 0, to: count)
        }
        let chunks = Self.name("chunks", unit: "total", help: "Audio chunks due after playback started, by whether they arrived in time.")
        advance(registry.makeCounter(descriptor: chunks, labels: [("delivered", "on_time")]),
                from: previous.chunksDue - previous.chunksLate, to: snapshot.chunksDue - snapshot.chunksLate)
        advance(registry.makeCounter(descriptor: chunks, labels: [("delivered", "late")]), from: previous.chunksLate, to: snapshot.chunksLate)
        if let seconds = snapshot.lastTimeToFirstAudio, seconds.isFinite, seconds >= 0 {
            registry.makeGauge(descriptor: Self.name("last_time_to_first_audio", unit: "seconds",
                                                     help: "Seconds from the last utterance's request to its first audio.")).set(to: seconds)
        }
        last = accepted
    }

    /// Adds one utterance's time to first audio, in seconds, to the histogram. Negative or
    /// non-finite values are ignored. Any thread.
    public func recordTimeToFirstAudio(_ seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        timeToFirstAudio.record(seconds)
    }

    /// The metrics in the Prometheus text format, version 0.0.4. Any thread.
    public func exposition() -> String {
        lock.lock()
        defer { lock.unlock() }
        return registry.emitToString()
    }

    private func advance(_ counter: Counter, from old: Int, to new: Int) {
        if new > old { counter.increment(by: Int64(new - old)) }
    }

    private func advance(_ counter: Counter, from old: Double, to new: Double) {
        if new > old { counter.increment(by: new - old) }
    }
}
