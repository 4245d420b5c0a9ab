import Bark
import Foundation
import OmniBark

/// One progress bar per generation stage on standard error; a new stage finishes the previous
/// stage's bar. Quiet when disabled or when standard error is not a terminal.
///
/// Thread safety: guarded by a lock (progress arrives on the generating thread).
final class StageProgressBars: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var current: (stage: GenerationProgress.Stage, bar: TerminalProgressBar, last: GenerationProgress)?

    init(enabled: Bool) { self.enabled = enabled && isatty(STDERR_FILENO) == 1 }

    var handler: GenerationProgressHandler {
        { [self] progress in self.update(progress) }
    }

    private func update(_ progress: GenerationProgress) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if current?.stage != progress.stage {
            finishLocked()
            let unit = progress.stage == .fine ? "passes" : "tokens"
            current = (progress.stage, TerminalProgressBar(label: progress.stage.rawValue, unit: unit, enabled: true), progress)
        }
        current?.last = progress
        current?.bar.update(completed: progress.completed, total: progress.total)
    }

    /// Prints a line between bars (e.g. which long-form segment starts).
    func note(_ line: String) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        finishLocked()
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func finishAll() {
        lock.lock(); defer { lock.unlock() }
        finishLocked()
    }

    private func finishLocked() {
        if let current { current.bar.finish(completed: current.last.completed, total: current.last.completed) }
        current = nil
    }
}
