import Foundation

/// Writes a file so that it appears under its final name complete or not at all; a device, FIFO
/// or `-` (standard output) is written in place (see `OutputFile`).
public enum AtomicFileWriter {
    public static func write(_ data: Data, to url: URL) throws {
        try AtomicFileReplacement.write(url: url) { temporary in try data.write(to: temporary) }
    }
}
