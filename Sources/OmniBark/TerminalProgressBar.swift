import Foundation

/// A one-line progress bar on standard error with count, rate and ETA, redrawn in place. It draws
/// only when standard error is a terminal; otherwise it stays quiet (logs and CI stay clean).
///
/// Thread safety: a final class guarded by a lock; `update` may be called from the generating
/// thread while another thread finishes it.
public final class TerminalProgressBar: @unchecked Sendable {
    private let label: String
    private let unit: String
    private let enabled: Bool
    private let lock = NSLock()
    private var started: Date?
    private var lastDraw = Date.distantPast
    private var finished = false

    /// - Parameters:
    ///   - label: shown first, e.g. `semantic`.
    ///   - unit: what is counted, e.g. `tokens`.
    ///   - enabled: nil = only when stderr is a terminal.
    public init(label: String, unit: String, enabled: Bool? = nil) {
        self.label = label
        self.unit = unit
        self.enabled = enabled ?? (isatty(STDERR_FILENO) == 1)
    }

    /// Reports `completed` of at most `total`. Redraws at most 20 times a second.
    public func update(completed: Int, total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        guard !finished else { return }
        let now = Date()
        if started == nil { started = now }
        guard completed >= total || now.timeIntervalSince(lastDraw) >= 0.05 else { return }
        lastDraw = now
        FileHandle.standardError.write(Data(("\r" + line(completed: completed, total: total, now: now) + "\u{1B}[K").utf8))
    }

    /// Ends the line (prints the final state and a newline when drawing).
    public func finish(completed: Int, total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        FileHandle.standardError.write(Data(("\r" + line(completed: completed, total: total, now: Date()) + "\u{1B}[K\n").utf8))
    }

    /// The text of the bar, e.g. `semantic [#######-----------]  212/768 tokens  45.1/s  ETA 12s`.
    func line(completed: Int, total: Int, now: Date) -> String {
        let width = 24
        let fraction = total > 0 ? min(1, Double(completed) / Double(total)) : 0
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let elapsed = started.map { now.timeIntervalSince($0) } ?? 0
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let eta = rate > 0 ? Double(total - completed) / rate : 0
        return "\(label.padding(toLength: 9, withPad: " ", startingAt: 0)) [\(bar)] \(completed)/\(total) \(unit)  "
            + String(format: "%.1f/s  ETA %@", rate, Self.duration(eta))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
