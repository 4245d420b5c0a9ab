import Atomics
import Foundation
import TestSupport

/// Why a test JACK server could not be started.
public struct JackTestServerError: Error, CustomStringConvertible {
    public let description: String
}

/// A private `jackd` for one test: `jackd -n <unique name> --no-realtime [-S] -d dummy -r 48000 -p 256`,
/// ready once `jack_lsp -s NAME` answers, stopped with SIGTERM (or killed with SIGKILL, after which
/// its stale `/dev/shm` files are removed so the name could start again).
///
/// Names are unique per process and per server (`obt<pid>_<n>`), so several test processes and
/// several servers can run side by side.
///
/// When `jackd` is missing the tests FAIL (they do not skip): `make test` installs jackd2.
///
/// Thread safety: meant to be driven by one test at a time; `stop()`/`kill()` are idempotent.
public final class JackTestServer: @unchecked Sendable {
    public let name: String
    public let sampleRate: Int
    public let period: Int
    private let process: Process
    private let logURL: URL
    private var stopped = false

    private static let counter = ManagedAtomic<Int>(0)

    /// libjack keeps per-process global state, and every test target runs in one process, so two
    /// tests that use JACK in-process must not overlap. A server holds this lock from `start` until
    /// its first `stop` or `kill` (recursive: one test may run two servers); tests that touch libjack
    /// without a server use `exclusively`. Tests are synchronous, so lock and unlock happen on the
    /// same thread.
    private static let processWideLock = NSRecursiveLock()

    /// Runs `body` while no other test uses JACK in this process.
    public static func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        processWideLock.lock()
        defer { processWideLock.unlock() }
        return try body()
    }

    /// A server name no other test (in this or another process) uses.
    public static func uniqueName() -> String {
        "obt\(getpid())_\(counter.wrappingIncrementThenLoad(ordering: .relaxed))"
    }

    /// The path of `tool`, or an error saying how to install it.
    public static func requireTool(_ tool: String) throws -> String {
        if let path = ExecutableSearch.which(tool) { return path }
        for directory in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(tool)") {
            return "\(directory)/\(tool)"
        }
        throw JackTestServerError(description: "`\(tool)` is not installed, so the JACK tests cannot run. "
            + "`make test` installs jackd2 (Debian: jackd2 libjack-jackd2-dev); these tests must run in CI, not be skipped.")
    }

    /// Starts a server and waits (up to `timeout`) until it answers `jack_lsp -s NAME`.
    ///
    /// `synchronous` starts it with `-S`: each cycle waits until every client has run, so a client
    /// that runs late on a loaded machine delays the cycle instead of missing it. jackd2's default
    /// (asynchronous) mode lets a late client skip a cycle, and a MIDI event another client wrote in
    /// that cycle is gone, which is what JACK promises; tests that count every event they send use
    /// this mode, so that they test the sink, not the scheduler.
    public static func start(name: String = uniqueName(), sampleRate: Int = 48_000, period: Int = 256,
                      synchronous: Bool = false, timeout: Duration = .seconds(15)) throws -> JackTestServer {
        processWideLock.lock()
        do {
            return try startLocked(name: name, sampleRate: sampleRate, period: period, synchronous: synchronous, timeout: timeout)
        } catch {
            processWideLock.unlock()
            throw error
        }
    }

    private static func startLocked(name: String, sampleRate: Int, period: Int, synchronous: Bool,
                                    timeout: Duration) throws -> JackTestServer {
        let jackd = try requireTool("jackd")
        _ = try requireTool("jack_lsp")
        removeStaleFiles(name: name)
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("jackd-\(name).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: jackd)
        process.arguments = ["-n", name, "--no-realtime"] + (synchronous ? ["-S"] : [])
            + ["-d", "dummy", "-r", String(sampleRate), "-p", String(period)]
        var environment = ProcessInfo.processInfo.environment
        environment["JACK_NO_AUDIO_RESERVATION"] = "1"
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = JackTestServer(name: name, sampleRate: sampleRate, period: period, process: process, logURL: logURL)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if !process.isRunning {
                server.stopped = true
                throw JackTestServerError(description: "jackd -n \(name) exited with status \(process.terminationStatus) before it was ready:\n\(server.log)")
            }
            if server.answers() { return server }
            if clock.now >= deadline {
                server.kill()
                throw JackTestServerError(description: "jackd -n \(name) not ready after \(timeout):\n\(server.log)")
            }
            usleep(10_000)
        }
    }

    private init(name: String, sampleRate: Int, period: Int, process: Process, logURL: URL) {
        self.name = name
        self.sampleRate = sampleRate
        self.period = period
        self.process = process
        self.logURL = logURL
    }

    deinit { stop() }

    /// jackd's output so far (for failure messages).
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    public var isRunning: Bool { process.isRunning }

    /// True when `jack_lsp -s NAME` succeeds (never starting a server).
    public func answers() -> Bool {
        guard let lsp = ExecutableSearch.which("jack_lsp") ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/jack_lsp") ? "/usr/bin/jack_lsp" : nil) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: lsp)
        probe.arguments = ["-s", name]
        var environment = ProcessInfo.processInfo.environment
        environment["JACK_NO_START_SERVER"] = "1"
        probe.environment = environment
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        do { try probe.run() } catch { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    /// SIGTERM, then wait up to 5 s (jackd cleans up after itself); SIGKILL and clean up if it hangs.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        defer { Self.processWideLock.unlock() }
        guard process.isRunning else { Self.removeStaleFiles(name: name); return }
        process.terminate()
        if !waitForExit(seconds: 5) {
            Foundation.kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(seconds: 5)
        }
        // jackd removes its own files on SIGTERM, but not the semaphores of clients still open.
        Self.removeStaleFiles(name: name)
        try? FileManager.default.removeItem(at: logURL)
    }

    /// SIGKILL (no cleanup by jackd), then remove the stale /dev/shm files ourselves and free the
    /// server's slot in the machine-wide JACK shm registry.
    public func kill() {
        guard !stopped else { return }
        stopped = true
        defer { Self.processWideLock.unlock() }
        Foundation.kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(seconds: 5)
        Self.removeStaleFiles(name: name)
        try? FileManager.default.removeItem(at: logURL)
        Self.reclaimRegistrySlot(name: name)
    }

    /// A SIGKILLed jackd keeps its entry in `/dev/shm/jack-shm-registry`, which has only 8 server
    /// slots for the whole machine; dead entries are reclaimed only when a server of the same
    /// name registers. So: start a server with the same name (it reclaims the entry) and stop it
    /// with SIGTERM (it unregisters). Without this, 8 kill tests would block every JACK server
    /// on the machine ("Too many servers already active").
    public static func reclaimRegistrySlot(name: String) {
        guard let server = try? start(name: name, timeout: .seconds(10)) else { return }
        server.stop()
    }

    private func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// Removes `/dev/shm/jack_NAME_*` and `/dev/shm/jack_sem.*_NAME_*` (left behind by a killed jackd).
    public static func removeStaleFiles(name: String) {
        let shm = "/dev/shm"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: shm) else { return }
        for entry in entries where entry.hasPrefix("jack_\(name)_") || (entry.hasPrefix("jack_sem.") && entry.contains("_\(name)_")) {
            try? FileManager.default.removeItem(atPath: "\(shm)/\(entry)")
        }
    }
}
