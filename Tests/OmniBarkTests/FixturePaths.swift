import Foundation

/// Paths of the repository, committed fixtures and the built command-line tool, from this file's path.
enum FixturePaths {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures")
    /// The debug build of `omnibark` (`swift build --build-tests` builds it; `make test` does that).
    static let omnibark = repositoryRoot.appendingPathComponent(".build/debug/omnibark")

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
