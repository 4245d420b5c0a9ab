import Foundation

/// Scratch directories, external tools and test tones for the audio and streaming tests.
public enum TestTools {
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("StreamingTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The absolute path of `tool` on PATH, or nil.
    public static func which(_ tool: String) -> String? { ExecutableSearch.which(tool) }

    /// Runs `executable arguments…` and returns its exit status.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A sine wave of `count` samples.
    public static func sine(frequency: Double, sampleRate: Int, count: Int, amplitude: Float = 0.5, phase: Double = 0) -> [Float] {
        (0..<count).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate) + phase)) }
    }
}
