import Foundation

/// Runs the command-line tools the evaluation and the detector lean on (ffmpeg, sox, espeak-ng,
/// flite) and turns a failure into an error naming the command and quoting its stderr.
public enum ExternalTool {
    /// The full path of `name` on `PATH`, or nil.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `name arguments…` to completion; throws when it is missing or exits non-zero.
    /// Blocks the calling thread.
    public static func run(_ name: String, _ arguments: [String]) throws {
        guard let executable = find(name) else { throw ExternalToolError.missing(name) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ExternalToolError.failed(command: ([name] + arguments).joined(separator: " "), status: process.terminationStatus,
                                           stderr: String(text.suffix(400)))
        }
    }
}

/// A tool that is not installed or that failed.
public enum ExternalToolError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(String)
    case failed(command: String, status: Int32, stderr: String)

    public var description: String {
        switch self {
        case .missing(let name): return "\(name) is needed but not on PATH (Debian: apt-get install \(Self.package(name)))"
        case .failed(let command, let status, let stderr): return "\(command) exited with status \(status): \(stderr)"
        }
    }

    private static func package(_ tool: String) -> String {
        switch tool {
        case "sox": return "sox libsox-fmt-all"
        default: return tool
        }
    }
}
