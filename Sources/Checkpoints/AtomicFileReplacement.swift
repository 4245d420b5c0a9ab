import Foundation

/// Writes an output whose writer needs a file name of its own (a zip library, `Data.write`):
/// `body` fills a fresh temporary file, which then becomes the output the way `OutputFile`
/// decides — renamed over a regular file (or a symbolic link's target) atomically, or copied into
/// a device, FIFO or standard output in place.
enum AtomicFileReplacement {
    /// Calls `body` with a temporary URL, then moves its content to `url`. On failure the
    /// temporary file is removed, `url` is untouched, and the error names `url`.
    static func write(url: URL, _ body: (URL) throws -> Void) throws {
        let (kind, target) = try OutputFile.plan(url.path)
        let directory = kind == .replaced
            ? URL(fileURLWithPath: (target as NSString).deletingLastPathComponent, isDirectory: true)
            : FileManager.default.temporaryDirectory
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        defer { try? FileManager.default.removeItem(at: temporary) }
        do {
            try body(temporary)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.unwritable(file: url.path, reason: ErrorMessage.reason(error))
        }
        if kind == .replaced {
            guard rename(temporary.path, target) == 0 else {
                throw OutputFile.failure(url.path, "cannot rename the finished file into place: \(String(cString: strerror(errno)))")
            }
            return
        }
        let output = try OutputFile(path: url.path)
        do {
            try output.write(try Data(contentsOf: temporary))
            try output.commit()
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.unwritable(file: url.path, reason: ErrorMessage.reason(error))
        }
    }
}
