import Foundation

/// Locations of the committed test fixtures, found from this source file's path.
enum FixturePaths {
    /// `<repo>/Tests/Fixtures`.
    static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // BarkTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// `<repo>/Tests/Fixtures/tokenizer`: vocabulary, config and reference cases for the tokenizer.
    static let tokenizer: URL = fixtures.appendingPathComponent("tokenizer", isDirectory: true)
}
