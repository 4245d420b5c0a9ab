import Foundation
import Testing

/// The result of running the built `omnibark` binary as a user would.
struct CommandRun {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs `.build/debug/omnibark arguments…` with `environment` added, no standard input.
    /// Records an issue (and returns status −1) when the binary has not been built.
    static func omnibark(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandRun {
        let binary = FixturePaths.omnibark
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            Issue.record("\(binary.path) is missing: run `swift build` (make test does) before the tests")
            return CommandRun(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandRun(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self))
    }
}
