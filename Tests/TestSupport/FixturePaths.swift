import Foundation

/// Where the tests find the repository, its committed fixtures and the built tool, from this
/// file's path (so tests run from any working directory), and scratch directories.
public enum FixturePaths {
    /// `Tests/`.
    public static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    /// The repository root.
    public static let repositoryRoot = testsDirectory.deletingLastPathComponent()
    /// `Tests/Fixtures/`: everything the tests read, made by the committed scripts or copied with provenance.
    public static let fixtures = testsDirectory.appendingPathComponent("Fixtures", isDirectory: true)
    /// The debug build of `omnibark` (`swift build --build-tests` builds it; `make test` does that).
    public static let omnibark = repositoryRoot.appendingPathComponent(".build/debug/omnibark")

    /// `Tests/Fixtures/checkpoints/` (written by scripts/make_checkpoint_fixtures.py).
    public static let checkpoints = fixtures.appendingPathComponent("checkpoints", isDirectory: true)
    /// `Tests/Fixtures/bark-prompts/`: real Bark voice presets (MIT, Suno; provenance in its README).
    public static let barkPrompts = fixtures.appendingPathComponent("bark-prompts", isDirectory: true)
    /// `Tests/Fixtures/tokenizer/`: vocabulary, config and reference cases for the tokenizer.
    public static let tokenizer = fixtures.appendingPathComponent("tokenizer", isDirectory: true)
    /// `Tests/Fixtures/encodec/`: EnCodec reference outputs and the stand-alone legacy model.
    public static let encodec = fixtures.appendingPathComponent("encodec", isDirectory: true)
    /// The stand-alone EnCodec directory saved with `weight_g` / `weight_v` names.
    public static let legacy = encodec.appendingPathComponent("encodec-tiny-legacy", isDirectory: true)

    /// A checkpoint fixture by file name.
    public static func checkpoint(_ name: String) -> URL { checkpoints.appendingPathComponent(name) }

    /// A Bark fixture directory (`bark-tiny-nobias`, `bark-gen-real`…).
    public static func bark(_ name: String) -> URL { fixtures.appendingPathComponent(name, isDirectory: true) }

    /// A fresh, empty temporary directory named after `label`.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `bytes` to `name` in `directory` and returns its URL.
    public static func write(_ bytes: [UInt8], named name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
