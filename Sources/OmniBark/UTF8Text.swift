import Checkpoints
import Foundation

/// The one rule for text a user gives (a file, standard input, an HTTP body, a line typed into
/// `live`): it must be UTF-8. Invalid bytes are refused with their byte offset rather than
/// silently replaced, so what is spoken is what was written.
public enum UTF8Text {
    /// Decodes `bytes`, or throws `UTF8TextError.invalid` naming `source` and the first bad byte.
    /// A UTF-8 byte-order mark at the start is dropped.
    public static func decode(_ bytes: some Collection<UInt8>, source: String) throws(UTF8TextError) -> String {
        let array = Array(bytes)
        let body = array.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(array.dropFirst(3)) : array
        if let text = String(validating: body, as: UTF8.self) { return text }
        let offset = firstInvalidOffset(body) + (body.count == array.count ? 0 : 3)
        throw .invalid(source: source, offset: offset, byte: array[min(offset, array.count - 1)])
    }

    /// Reads a whole file (`-` for standard input) as UTF-8 text.
    public static func read(path: String) throws(UTF8TextError) -> String {
        if path == "-" { return try decode(FileHandle.standardInput.readDataToEndOfFile(), source: "standard input") }
        let expanded = (path as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) else {
            throw .unreadable(source: path, reason: "No such file or directory")
        }
        guard !isDirectory.boolValue else { throw .unreadable(source: path, reason: "it is a directory, not a text file") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: expanded)) } catch {
            throw .unreadable(source: path, reason: ErrorMessage.reason(error))
        }
        return try decode(data, source: path)
    }

    /// The offset of the first byte that does not begin or continue a valid UTF-8 sequence.
    static func firstInvalidOffset(_ bytes: [UInt8]) -> Int {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return index
            }
            guard index + length <= bytes.count,
                  String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil else { return index }
            index += length
        }
        return bytes.count
    }
}

/// Why text input was refused.
public enum UTF8TextError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(source: String, offset: Int, byte: UInt8)
    case unreadable(source: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(source, offset, byte):
            return "\(source): not UTF-8 text: byte 0x\(String(byte, radix: 16, uppercase: true)) at byte offset \(offset) "
                + "is not valid UTF-8 (convert it first, e.g. iconv -f latin1 -t utf-8)"
        case let .unreadable(source, reason):
            return "\(source): cannot read the text: \(reason)"
        }
    }
}
