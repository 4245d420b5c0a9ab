import Foundation

/// Locations of test data, found from this file's path so tests run from any working directory.
enum FixturePaths {
    /// `Tests/`.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    /// The repository root.
    static let repositoryRoot = testsDirectory.deletingLastPathComponent()
    /// `Tests/Fixtures/checkpoints/` (written by scripts/make_checkpoint_fixtures.py).
    static let checkpoints = testsDirectory.appendingPathComponent("Fixtures/checkpoints")
    /// `Tests/Fixtures/bark-prompts/`: real Bark voice presets (MIT, Suno; provenance in its README).
    static let barkPrompts = testsDirectory.appendingPathComponent("Fixtures/bark-prompts")

    /// A checkpoint fixture by file name.
    static func checkpoint(_ name: String) -> URL { checkpoints.appendingPathComponent(name) }

    /// A fresh, empty temporary directory for files a test builds on the fly.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("CheckpointsTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `bytes` to `name` in `directory` and returns its URL.
    static func write(_ bytes: [UInt8], named name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
