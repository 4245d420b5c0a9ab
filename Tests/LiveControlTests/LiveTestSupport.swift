import Foundation
import LiveControl

/// Collects the inbox's diagnostics lines.
///
/// Thread safety: a lock guards the lines; the OSC server's thread appends, the test reads.
final class DiagnosticsRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var closure: @Sendable (String) -> Void { { [self] line in lock.lock(); stored.append(line); lock.unlock() } }

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

enum LiveTestWaiting {
    /// Polls `condition` every 5 ms for up to `seconds`; true as soon as it holds.
    static func until(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    /// A fresh scratch folder.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("LiveControlTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every line of a JSON-lines file, parsed.
    static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let dictionary = object as? [String: Any] else { throw CocoaError(.propertyListReadCorrupt) }
            return dictionary
        }
    }
}
