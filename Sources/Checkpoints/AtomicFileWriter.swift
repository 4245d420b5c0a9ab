import Foundation

/// Writes a file so that it appears under its final name complete or not at all (see
/// `AtomicFileReplacement`, which does the temporary-name-then-rename work).
public enum AtomicFileWriter {
    public static func write(_ data: Data, to url: URL) throws {
        try AtomicFileReplacement.write(url: url) { temporary in try data.write(to: temporary) }
    }
}
