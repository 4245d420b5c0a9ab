/// Where a live event came from: the source named in counters, diagnostics and event-log lines
/// (`rawValue`: "midi", "osc", "http", "file", "stdin", "api").
public enum LiveEventSource: String, Sendable, Codable, CaseIterable {
    case midi, osc, http, file, stdin, api
    /// Not an input: the latency router's decisions, written to the event log beside the events.
    case router
}
