import Foundation

/// A command-line tool run to its end (or started in the background), with its output captured
/// in files so that no pipe can fill up and stall it.
public struct ProcessRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// Runs `executable arguments…` with `input` on standard input (nothing when nil); kills it
    /// after `timeout` seconds (its status is then the signal's).
    public static func run(_ executable: URL, _ arguments: [String], input: String? = nil, timeout: Double = 120) throws -> ProcessRun {
        let started = try BackgroundProcess(executable, arguments, input: input)
        started.wait(timeout: timeout)
        return started.result()
    }
}

/// A tool running in the background: its output so far, interrupt and wait.
///
/// Thread safety: not shared between threads; the Process is only touched by the test that made it.
public final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()
    private let directory: URL

    public init(_ executable: URL, _ arguments: [String], input: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")
        let inputFile = directory.appendingPathComponent("in")
        try Data((input ?? "").utf8).write(to: inputFile)
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = input == nil ? FileHandle.nullDevice : try FileHandle(forReadingFrom: inputFile)
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Standard error so far.
    public var stderr: String { (try? String(contentsOf: directory.appendingPathComponent("err"), encoding: .utf8)) ?? "" }
    /// Standard output so far.
    public var stdout: String { (try? String(contentsOf: directory.appendingPathComponent("out"), encoding: .utf8)) ?? "" }
    public var isRunning: Bool { process.isRunning }

    /// Sends SIGINT.
    public func interrupt() { if process.isRunning { process.interrupt() } }

    /// Waits at most `timeout` seconds, then kills it; true when it ended by itself.
    @discardableResult
    public func wait(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard process.isRunning else { return true }
        process.terminate()
        process.waitUntilExit()
        return false
    }

    /// The finished run (call after `wait`).
    public func result() -> ProcessRun {
        ProcessRun(status: process.isRunning ? -1 : process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}
