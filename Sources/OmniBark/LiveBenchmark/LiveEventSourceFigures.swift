import Checkpoints
import Foundation
import LiveControl

/// What became of the live events of one source in a benchmark run, read back from the
/// `--event-log` lines the inbox wrote: events applied (with their `latency_ms`, arrival in the
/// inbox to application by the generation thread) and events dropped (with any reason).
public struct LiveEventSourceFigures: Sendable, Equatable {
    public var applied = 0
    public var dropped = 0
    /// `latency_ms` of every applied event, milliseconds, in log order.
    public var latenciesMs: [Double] = []

    public init() {}

    public var latencyMsP50: Double? { Percentile.of(latenciesMs, 0.5) }
    public var latencyMsP95: Double? { Percentile.of(latenciesMs, 0.95) }

    /// Per source, from an event log's JSON lines. Lines of kind "malformed" are not events and
    /// are skipped; so are lines that are not JSON objects with a known `source`.
    ///
    /// - Throws: when `url` cannot be read (the error names the file).
    public static func read(eventLog url: URL) throws -> [LiveEventSource: LiveEventSourceFigures] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw LiveEventLogError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
        return parse(lines: text.split(separator: "\n").map(String.init))
    }

    /// Per source, from event-log lines (see `read(eventLog:)`).
    public static func parse(lines: [String]) -> [LiveEventSource: LiveEventSourceFigures] {
        var figures: [LiveEventSource: LiveEventSourceFigures] = [:]
        for line in lines {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let source = (object["source"] as? String).flatMap(LiveEventSource.init(rawValue:)),
                  object["kind"] as? String != "malformed" else { continue }
            if let latency = (object["latency_ms"] as? NSNumber)?.doubleValue {
                figures[source, default: LiveEventSourceFigures()].applied += 1
                figures[source, default: LiveEventSourceFigures()].latenciesMs.append(latency)
            } else if object["dropped"] != nil {
                figures[source, default: LiveEventSourceFigures()].dropped += 1
            }
        }
        return figures
    }
}
