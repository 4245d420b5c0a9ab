import Dispatch
import Foundation

/// Where live-event sources (OSC, HTTP, MIDI, files, stdin) post events and the generation
/// thread takes them, between generation steps.
///
/// Bounded: at most `capacity` events wait; one posted beyond that is dropped, counted and
/// written to the event log with the reason. The inbox owns the counters and the optional
/// event log, so every source and the generation thread report through it:
/// - `post` → `received` (or `dropped` when full);
/// - `markApplied` / `markDropped` → `applied` / `dropped`, with an event-log line each;
/// - `reportMalformed` → `malformed`, an event-log line each time, and one `diagnostics` message
///   per (source, kind) pair so a flood of garbage cannot flood the terminal.
///
/// Thread safety: a lock guards the queue, the counters and the set of reported kinds; every
/// method may be called from any thread. The lock is held only for queue and counter updates
/// (event-log writes and `diagnostics` run outside it), but it is still a lock: never call the
/// inbox from a realtime audio thread. `diagnostics` is called on the posting thread.
public final class LiveEventInbox: @unchecked Sendable {
    /// Most events that may wait at once.
    public let capacity: Int
    /// The event log, if any (`--event-log`).
    public let log: LiveEventLog?
    private let diagnostics: @Sendable (String) -> Void
    private let lock = NSLock()
    private var waiting: [LiveEvent] = []
    private var counts = LiveEventCounters()
    private var reportedKinds: Set<String> = []

    /// - Parameters:
    ///   - capacity: most events waiting at once (at least 1).
    ///   - log: the event log, written for every applied, dropped and malformed event.
    ///   - diagnostics: hears each kind of trouble once (a full inbox, malformed input per
    ///     source and kind, a failing event log), as one line of text without a trailing newline.
    public init(capacity: Int = 4096, log: LiveEventLog? = nil, diagnostics: @escaping @Sendable (String) -> Void = { _ in }) {
        self.capacity = max(1, capacity)
        self.log = log
        self.diagnostics = diagnostics
    }

    /// Queues `event`. Returns false, and counts it dropped, when `capacity` events are already
    /// waiting; otherwise counts it received and returns true.
    @discardableResult
    public func post(_ event: LiveEvent) -> Bool {
        lock.lock()
        let accepted = waiting.count < capacity
        if accepted {
            waiting.append(event)
            counts.received += 1
        } else {
            counts.dropped += 1
        }
        let firstOverflow = !accepted && reportedKinds.insert("\(event.source.rawValue)\u{0}inbox full").inserted
        lock.unlock()
        if !accepted {
            let reason = "inbox full (\(capacity) events waiting)"
            if firstOverflow {
                diagnostics("\(event.source.rawValue): live-event inbox full (\(capacity) events waiting): event dropped (further ones are counted, not logged)")
            }
            writeLog(LiveEventLogLine(event: event, outcome: .dropped(reason: reason)))
        }
        return accepted
    }

    /// Takes every waiting event, in arrival order.
    public func drain() -> [LiveEvent] {
        lock.lock()
        defer { lock.unlock() }
        let events = waiting
        waiting.removeAll(keepingCapacity: true)
        return events
    }

    /// Number of events waiting now.
    public var waitingCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return waiting.count
    }

    /// Counts `event` applied and logs it with `applied_frame` = `frame` (EnCodec frame, 75 Hz,
    /// on the output timeline) and `latency_ms` = now − `event.receivedUptimeNanos`.
    public func markApplied(_ event: LiveEvent, frame: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        let latencyMs = now > event.receivedUptimeNanos ? Double(now - event.receivedUptimeNanos) / 1e6 : 0
        lock.lock()
        counts.applied += 1
        lock.unlock()
        writeLog(LiveEventLogLine(event: event, outcome: .applied(frame: frame, latencyMs: latencyMs)))
    }

    /// Counts `event` dropped (taken from the inbox but not applied) and logs `reason`.
    public func markDropped(_ event: LiveEvent, reason: String) {
        lock.lock()
        counts.dropped += 1
        lock.unlock()
        writeLog(LiveEventLogLine(event: event, outcome: .dropped(reason: reason)))
    }

    /// Counts input that never became an event (a bad OSC packet, an unknown address, bad JSON,
    /// a SysEx flood …). `kind` names the trouble ("unknown address"), `detail` the input
    /// ("/foo from 127.0.0.1:50000"). `diagnostics` hears the first of each (source, kind) pair,
    /// e.g. "osc: unknown address: /foo (further ones are counted, not logged)"; the event log
    /// gets a line every time (kind "malformed", payload `detail`, dropped `kind`).
    /// `receivedSample`: the output-timeline position (24 kHz) when it arrived, if known.
    public func reportMalformed(source: LiveEventSource, kind: String, detail: String, receivedSample: Int64? = nil) {
        lock.lock()
        counts.malformed += 1
        let first = reportedKinds.insert("\(source.rawValue)\u{0}\(kind)").inserted
        lock.unlock()
        if first { diagnostics("\(source.rawValue): \(kind): \(detail) (further ones are counted, not logged)") }
        writeLog(LiveEventLogLine(source: source, kind: "malformed", payload: .string(detail),
                                  receivedSample: receivedSample, outcome: .dropped(reason: kind)))
    }

    /// The counters now.
    public var counters: LiveEventCounters {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    /// Writes a log line; the first failure is reported through `diagnostics` (later ones fail silently).
    private func writeLog(_ line: LiveEventLogLine) {
        guard let log else { return }
        do { try log.write(line) } catch {
            lock.lock()
            let first = reportedKinds.insert("\u{0}event log").inserted
            lock.unlock()
            if first { diagnostics(error.description) }
        }
    }
}
