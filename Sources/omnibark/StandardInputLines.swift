import Foundation
import OmniBark

/// Lines typed on standard input, decoded by the one UTF-8 rule (`UTF8Text`): a line that is not
/// UTF-8 is reported with its line number and byte offset instead of being silently repaired.
struct StandardInputLines: IteratorProtocol {
    private var buffer: [UInt8] = []
    private var ended = false
    private(set) var lineNumber = 0

    /// The next line without its newline, or a decoding error for that line; nil at end of input.
    mutating func next() -> Result<String, UTF8TextError>? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return decode(line)
            }
            if ended {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return decode(buffer)
            }
            let chunk = FileHandle.standardInput.availableData
            if chunk.isEmpty { ended = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    private mutating func decode(_ line: [UInt8]) -> Result<String, UTF8TextError> {
        lineNumber += 1
        let trimmed = line.last == 0x0D ? Array(line.dropLast()) : line
        do { return .success(try UTF8Text.decode(trimmed, source: "standard input, line \(lineNumber)")) } catch {
            return .failure(error)
        }
    }
}
