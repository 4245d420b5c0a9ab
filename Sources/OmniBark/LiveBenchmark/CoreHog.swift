import Foundation

/// Keeps one core busy for a benchmark's "busy machine" condition: `stress-ng --cpu 1` when it
/// is installed (Debian `stress-ng`), else a thread spinning at normal priority.
///
/// Thread safety: `stop` may be called from any thread, more than once.
public final class CoreHog: @unchecked Sendable, CustomStringConvertible {
    private let process: Process?
    private let lock = NSLock()
    private var spinning = true
    /// Where the spinning thread leaves its result.
    private var sink = 0.0

    private init(process: Process?) { self.process = process }

    public var description: String { process == nil ? "a spinning thread (stress-ng not installed)" : "stress-ng --cpu 1" }

    public static func start(log: @Sendable (String) -> Void) -> CoreHog {
        for directory in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/stress-ng") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "\(directory)/stress-ng")
            process.arguments = ["--cpu", "1", "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil {
                log("busy machine: stress-ng --cpu 1 (pid \(process.processIdentifier))")
                return CoreHog(process: process)
            }
        }
        let hog = CoreHog(process: nil)
        let thread = Thread { [hog] in
            var x = 0.0
            while hog.lock.withLock({ hog.spinning }) {
                for i in 0..<100_000 { x += sin(Double(i)) }
            }
            hog.lock.withLock { hog.sink = x }  // keeps the loop from being optimised away
        }
        thread.name = "omnibark.core-hog"
        thread.start()
        log("busy machine: a spinning thread (install stress-ng for the standard load)")
        return hog
    }

    public func stop() {
        lock.withLock { spinning = false }
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
