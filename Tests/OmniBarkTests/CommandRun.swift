import Foundation
import Testing
import TestSupport

/// The result of running the built `omnibark` binary as a user would.
struct CommandRun {
    let status: Int32
    let stdoutData: Data
    let stderr: String
    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }

    /// Runs `.build/debug/omnibark arguments…` with `environment` added; standard input is `input`
    /// (nothing when nil). Records an issue (and returns status −1) when the binary has not been built.
    static func omnibark(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> CommandRun {
        let binary = FixturePaths.omnibark
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            Issue.record("\(binary.path) is missing: run `swift build` (make test does) before the tests")
            return CommandRun(status: -1, stdoutData: Data(), stderr: "")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            // Written from another thread so a large input cannot deadlock against full output pipes.
            let writer = inputPipe.fileHandleForWriting
            Thread.detachNewThread {
                try? writer.write(contentsOf: input)
                try? writer.close()
            }
        }
        // stderr is read on its own thread so neither pipe can fill up and stall the command.
        let errorReader = PipeReader(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = errorReader.wait()
        process.waitUntilExit()
        return CommandRun(status: process.terminationStatus, stdoutData: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Reads a pipe to its end on a thread of its own.
///
/// Thread safety: the data is written once by the reading thread before the semaphore is signalled
/// and read by `wait` only after it.
final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
