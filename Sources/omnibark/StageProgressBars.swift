import Bark
import Foundation
import OmniBark

/// Progress of a generation on standard error. On a terminal: one progress bar per stage, redrawn
/// in place; a new stage finishes the previous stage's bar. Elsewhere (a log file, CI, a pipe):
/// plain lines — one when a stage starts, at most one every `lineInterval` seconds while it runs,
/// and one when it ends — so long work is never silent.
///
/// Thread safety: guarded by a lock (progress arrives on the generating thread).
final class StageProgressBars: @unchecked Sendable {
    /// Seconds between progress lines when standard error is not a terminal.
    static let lineInterval: Double = 5

    private let enabled: Bool
    private let terminal: Bool
    private let lock = NSLock()
    private var current: (stage: GenerationProgress.Stage, bar: TerminalProgressBar?, last: GenerationProgress, started: Date, printed: Date)?

    init(enabled: Bool, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.enabled = enabled
        self.terminal = terminal
    }

    var handler: GenerationProgressHandler {
        { [self] progress in self.update(progress) }
    }

    private func update(_ progress: GenerationProgress) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        if current?.stage != progress.stage {
            finishLocked()
            let unit = Self.unit(progress.stage)
            current = (progress.stage, terminal ? TerminalProgressBar(label: progress.stage.rawValue, unit: unit, enabled: true) : nil,
                       progress, now, now)
            if !terminal { emit("\(progress.stage.rawValue): started (at most \(progress.total) \(unit))") }
        }
        current?.last = progress
        if let bar = current?.bar {
            bar.update(completed: progress.completed, total: progress.total)
        } else if let started = current?.started, let printed = current?.printed, now.timeIntervalSince(printed) >= Self.lineInterval {
            current?.printed = now
            emit("\(progress.stage.rawValue): \(progress.completed)/\(progress.total) \(Self.unit(progress.stage)) after "
                 + String(format: "%.0f s", now.timeIntervalSince(started)))
        }
    }

    /// Prints a line between bars (e.g. which long-form segment starts).
    func note(_ line: String) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        finishLocked()
        emit(line)
    }

    func finishAll() {
        lock.lock(); defer { lock.unlock() }
        finishLocked()
    }

    private func finishLocked() {
        guard let current else { return }
        if let bar = current.bar {
            bar.finish(completed: current.last.completed, total: current.last.completed)
        } else {
            emit("\(current.stage.rawValue): done, \(current.last.completed) \(Self.unit(current.stage)) in "
                 + String(format: "%.1f s", Date().timeIntervalSince(current.started)))
        }
        self.current = nil
    }

    private func emit(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    private static func unit(_ stage: GenerationProgress.Stage) -> String { stage == .fine ? "passes" : "tokens" }
}
