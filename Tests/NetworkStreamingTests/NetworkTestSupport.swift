import CBLAS
import Foundation
import Streaming
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Real external clients and servers for the network streaming tests, and signal comparison.
enum NetworkTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtureModel = repositoryRoot.appendingPathComponent("Tests/Fixtures/bark-gen-scaled")

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The tool's path; records a failure naming the installer when it is missing (never a skip).
    static func require(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/sbin", "/usr/bin"] {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        Issue.record("\(tool) is not installed: `make test` installs it (Debian packages icecast2 ffmpeg opus-tools)")
        return nil
    }

    /// Starts `executable arguments…` with output to files in `directory`.
    static func launch(_ executable: String, _ arguments: [String], in directory: URL, label: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("\(label).out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("\(label).err").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("\(label).out"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("\(label).err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits for `process` at most `timeout` seconds; kills it if it is still running. True if it exited by itself.
    @discardableResult
    static func wait(_ process: Process, timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return false
        }
        return true
    }

    /// Runs a command to the end and returns (status, stdout+stderr).
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 60) throws -> (Int32, String) {
        let directory = try temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = try launch(executable, arguments, in: directory, label: "p")
        wait(process, timeout: timeout)
        let out = (try? String(contentsOf: directory.appendingPathComponent("p.out"), encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: directory.appendingPathComponent("p.err"), encoding: .utf8)) ?? ""
        return (process.terminationStatus, out + err)
    }

    /// Polls `condition` every 20 ms for at most `timeout` seconds.
    @discardableResult
    static func waitFor(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// `curl` a request; returns (HTTP status, body).
    static func curl(_ arguments: [String]) throws -> (Int, String) {
        guard let curl = require("curl") else { return (0, "") }
        let (_, output) = try run(curl, ["-s", "-w", "\n%{http_code}"] + arguments, timeout: 20)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        return (status, lines.dropLast().joined(separator: "\n"))
    }

    // MARK: Signals

    /// Finds where `reference` sits in `signal` (maximum normalised cross-correlation over
    /// `center ± maxLag`, every lag tried), then returns the correlation and the SNR (dB) of
    /// `signal` against `reference` over the reference's length. `center` is `knownCenter`, or
    /// the offset between the first clearly audible sample of each (the stream around the speech
    /// is silence). Every lag is tried because the correlation peak of broadband audio is about one
    /// sample wide: a strided search misses it whenever the true lag is not on the stride.
    static func compare(reference: [Float], signal: [Float], maxLag: Int, around knownCenter: Int? = nil) -> (lag: Int, correlation: Double, snr: Double) {
        // Prefix sums of squares give each lag's energies in O(1); the dot products go to BLAS.
        var referenceEnergyPrefix = [0.0], signalEnergyPrefix = [0.0]
        for r in reference { referenceEnergyPrefix.append(referenceEnergyPrefix[referenceEnergyPrefix.count - 1] + Double(r * r)) }
        for s in signal { signalEnergyPrefix.append(signalEnergyPrefix[signalEnergyPrefix.count - 1] + Double(s * s)) }
        func correlation(at lag: Int) -> Double {
            // Overlap: reference[i] with signal[i + lag] for i in lower..<upper.
            let lower = max(0, -lag), upper = min(reference.count, signal.count - lag)
            guard upper > lower else { return 0 }
            let dot = reference.withUnsafeBufferPointer { r in
                signal.withUnsafeBufferPointer { s in
                    cblas_sdot(Int32(upper - lower), r.baseAddress! + lower, 1, s.baseAddress! + lower + lag, 1)
                }
            }
            let rr = referenceEnergyPrefix[upper] - referenceEnergyPrefix[lower]
            let ss = signalEnergyPrefix[upper + lag] - signalEnergyPrefix[lower + lag]
            return rr > 0 && ss > 0 ? Double(dot) / (rr * ss).squareRoot() : 0
        }
        let threshold: Float = 0.02
        let center = knownCenter ?? (signal.firstIndex { abs($0) > threshold } ?? 0) - (reference.firstIndex { abs($0) > threshold } ?? 0)
        var best = (lag: 0, value: -2.0)
        for lag in (center - maxLag)...(center + maxLag) {
            let c = correlation(at: lag)
            if c > best.value { best = (lag, c) }
        }
        var signalEnergy = 0.0, noiseEnergy = 0.0
        for i in 0..<reference.count {
            let j = i + best.lag
            let s = j >= 0 && j < signal.count ? Double(signal[j]) : 0
            signalEnergy += Double(reference[i]) * Double(reference[i])
            noiseEnergy += (s - Double(reference[i])) * (s - Double(reference[i]))
        }
        let snr = 10 * log10(signalEnergy / max(noiseEnergy, 1e-20))
        return (best.lag, best.value, snr)
    }
}

/// A sink that keeps everything written (the engine's PCM, to compare with what listeners decode).
final class RecordingSink: AudioSink, @unchecked Sendable {
    let sampleRate: Int
    private let lock = NSLock()
    private var recorded: [Float] = []
    init(sampleRate: Int) { self.sampleRate = sampleRate }
    func write(_ samples: [Float]) throws { lock.withLock { recorded += samples } }
    func finish() throws {}
    func cancel() {}
    var samples: [Float] { lock.withLock { recorded } }
}
