import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private JACK server for benchmarks: `jackd -n NAME --no-realtime -d dummy -r RATE -p PERIOD`
/// (the dummy driver runs the process cycle on a timer, no sound card needed), ready once
/// `jack_lsp -s NAME` answers. Used by `omnibark bench --live-seconds` when no `--server` is
/// given and by the `pipeline-benchmark` of Benchmarks/.
///
/// Thread safety: `start` may be called from any thread; `stop` is idempotent and may be called
/// from any thread, but not concurrently with itself.
public final class DummyJackServer: @unchecked Sendable {
    /// Why the server could not start; names the tool or the server.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The server name (`-n`), for `JackSink.Configuration.serverName`.
    public let name: String
    /// Frames per second.
    public let sampleRate: Int
    /// Frames per process cycle.
    public let period: Int
    private let process: Process
    private let lock = NSLock()
    private var stopped = false

    private init(name: String, sampleRate: Int, period: Int, process: Process) {
        self.name = name
        self.sampleRate = sampleRate
        self.period = period
        self.process = process
    }

    deinit { stop() }

    /// Starts the server and waits up to `timeout` seconds until it answers.
    ///
    /// - Parameters:
    ///   - name: the server name; by default `omnibark-bench-<pid>`, unique per process.
    ///   - sampleRate: Hz (default 48 000).
    ///   - period: frames per cycle (default 256, 5.3 ms at 48 kHz).
    /// - Throws: `StartError` when `jackd` or `jack_lsp` is missing (Debian: jackd2), when jackd
    ///   exits early, or when it does not answer in time.
    public static func start(name: String = "omnibark-bench-\(getpid())", sampleRate: Int = 48_000, period: Int = 256,
                             timeout: Double = 10) throws -> DummyJackServer {
        let jackd = try tool("jackd")
        let lsp = try tool("jack_lsp")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: jackd)
        process.arguments = ["-n", name, "--no-realtime", "-d", "dummy", "-r", String(sampleRate), "-p", String(period)]
        var environment = ProcessInfo.processInfo.environment
        environment["JACK_NO_AUDIO_RESERVATION"] = "1"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = DummyJackServer(name: name, sampleRate: sampleRate, period: period, process: process)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else {
                throw StartError(description: "jackd -n \(name) -d dummy exited with status \(process.terminationStatus) before it was ready")
            }
            if answers(name: name, lsp: lsp) { return server }
            usleep(10_000)
        }
        server.stop()
        throw StartError(description: "jackd -n \(name) -d dummy did not answer `jack_lsp -s \(name)` within \(timeout) s")
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it; idempotent.
    public func stop() {
        let first: Bool = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// True when `jack_lsp -s NAME` succeeds (never starting a server itself).
    private static func answers(name: String, lsp: String) -> Bool {
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

    /// The path of `name` on `$PATH` (or /usr/bin, /usr/local/bin).
    private static func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw StartError(description: "`\(name)` was not found on PATH (\(path)): install JACK 2 (Debian: jackd2) or give --server NAME of a running server")
    }
}
