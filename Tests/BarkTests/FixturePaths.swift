import Foundation

/// Locations of the committed test fixtures (`<repo>/Tests/Fixtures`), found from this file's path
/// so tests run from any working directory.
enum FixturePaths {
    static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // BarkTests
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures")
}
