import Foundation

/// Reports download progress on stderr: on a terminal one line per file, redrawn in place with
/// `\r` (bytes, rate, ETA) at most ten times a second; otherwise (a log, CI) one line when a file
/// starts and one when it ends. Failed attempts that will be retried get a line each
/// ("attempt 2/5 failed: <reason>; retrying in 2 s").
///
/// Thread safety: called from every download task and URLSession delegate queue at once; `lock`
/// guards the per-file state and serialises the writes, so lines never interleave.
public final class DownloadProgress: @unchecked Sendable {
    private struct Active {
        var total: Int64
        var startedAt: ContinuousClock.Instant
        var resumedAt: Int64
        var current: Int64
    }

    private let write: @Sendable (String) -> Void
    private let isTerminal: Bool
    private let lock = NSLock()
    private var active: [String: Active] = [:]
    private var lastDraw = ContinuousClock.now
    private var lineIsOpen = false

    /// - Parameters:
    ///   - isTerminal: redraw lines in place; defaults to whether stderr is a terminal.
    ///   - write: where text goes; defaults to stderr.
    public init(isTerminal: Bool = isatty(STDERR_FILENO) != 0,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.isTerminal = isTerminal
        self.write = write
    }

    /// A reporter that prints nothing.
    public static var silent: DownloadProgress { DownloadProgress(isTerminal: false, write: { _ in }) }

    func started(_ path: String, total: Int64, resumedAt: Int64) {
        lock.withLock {
            active[path] = Active(total: total, startedAt: .now, resumedAt: resumedAt, current: resumedAt)
            let resume = resumedAt > 0 ? ", resuming at \(ByteFormatting.bytes(resumedAt))" : ""
            if isTerminal { draw(path, force: true) } else { emitLine("\(path): downloading \(ByteFormatting.bytes(total))\(resume)") }
        }
    }

    func advanced(_ path: String, to bytes: Int64) {
        lock.withLock {
            active[path]?.current = bytes
            if isTerminal { draw(path, force: false) }
        }
    }

    func finished(_ path: String, bytes: Int64) {
        lock.withLock {
            let state = active.removeValue(forKey: path)
            let elapsed = state.map { ContinuousClock.now - $0.startedAt } ?? .zero
            let rate = state.map { ByteFormatting.rate(bytes: $0.total - $0.resumedAt, over: elapsed) } ?? ""
            emitLine("\(path): done, \(ByteFormatting.bytes(bytes)) in \(ByteFormatting.duration(elapsed))\(rate.isEmpty ? "" : " (\(rate))")")
        }
    }

    func skipped(_ path: String, bytes: Int64) {
        lock.withLock { emitLine("\(path): already complete (\(ByteFormatting.bytes(bytes)), checksum verified)") }
    }

    /// A failed attempt that will be retried: "<what>: attempt 2/5 failed: <reason>; retrying in 4 s".
    func retrying(_ what: String, attempt: Int, of attempts: Int, after wait: Duration, because reason: String) {
        lock.withLock {
            emitLine("\(what): attempt \(attempt)/\(attempts) failed: \(reason); retrying in \(TimeoutText.seconds(wait))")
        }
    }

    func failed(_ path: String, _ reason: String) {
        lock.withLock {
            active.removeValue(forKey: path)
            emitLine("\(path): FAILED: \(reason)")
        }
    }

    /// A free-form line (summary, plan).
    public func note(_ text: String) {
        lock.withLock { emitLine(text) }
    }

    // Called with the lock held.
    private func draw(_ path: String, force: Bool) {
        let now = ContinuousClock.now
        guard force || now - lastDraw >= .milliseconds(100), let state = active[path] else { return }
        lastDraw = now
        let elapsed = now - state.startedAt
        let done = state.current - state.resumedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perSecond = seconds > 0 ? Double(done) / seconds : 0
        let eta = perSecond > 0 ? ByteFormatting.duration(.seconds(Double(state.total - state.current) / perSecond)) : "--"
        let percent = state.total > 0 ? Int(Double(state.current) / Double(state.total) * 100) : 100
        let line = "\(path): \(ByteFormatting.bytes(state.current)) / \(ByteFormatting.bytes(state.total)) (\(percent)%), "
            + "\(ByteFormatting.rate(bytes: done, over: elapsed).isEmpty ? "--/s" : ByteFormatting.rate(bytes: done, over: elapsed)), ETA \(eta)"
        write("\r\u{1B}[K" + line)
        lineIsOpen = true
    }

    // Called with the lock held.
    private func emitLine(_ text: String) {
        write((lineIsOpen ? "\r\u{1B}[K" : "") + text + "\n")
        lineIsOpen = false
    }
}

/// Human-readable sizes, rates and durations for progress lines.
enum ByteFormatting {
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    static func rate(bytes: Int64, over elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard seconds > 0.001 else { return "" }
        return self.bytes(Int64(Double(bytes) / seconds)) + "/s"
    }

    static func duration(_ duration: Duration) -> String {
        let total = Int(duration.components.seconds)
        if total < 1 {
            let milliseconds = Int(duration.components.attoseconds / 1_000_000_000_000_000)
            return "\(milliseconds) ms"
        }
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
