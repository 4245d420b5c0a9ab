import Foundation

/// Locations of the committed test fixtures, found from this source file's path.
enum FixturePaths {
    /// `<repo>/Tests/Fixtures`.
    static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // EncodecTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// `<repo>/Tests/Fixtures/encodec`: EnCodec reference outputs and the stand-alone legacy model.
    static let encodec: URL = fixtures.appendingPathComponent("encodec", isDirectory: true)

    /// A Bark fixture directory (`bark-tiny-nobias`, `bark-tiny-bias`).
    static func bark(_ name: String) -> URL { fixtures.appendingPathComponent(name, isDirectory: true) }

    /// The stand-alone EnCodec directory saved with `weight_g` / `weight_v` names.
    static let legacy: URL = encodec.appendingPathComponent("encodec-tiny-legacy", isDirectory: true)
}
