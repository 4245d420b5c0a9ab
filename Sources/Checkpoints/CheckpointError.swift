import Foundation

/// Why a checkpoint, array file or configuration could not be read.
///
/// Every case names the file (`file`, a path as given) and the item at fault (tensor name, JSON
/// field, pickle global, zip member, byte offset) so that the message alone tells a user what to fix.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read at all.
    case unreadable(file: String, reason: String)
    /// The file's leading bytes match no format this reader knows.
    case unknownFormat(file: String, reason: String)
    /// The file ends before `item` does: `needed` bytes were required at `offset`, only `available` exist.
    case truncated(file: String, item: String, offset: Int, needed: Int, available: Int)
    /// A header, index or structure is malformed; `offset` is the byte offset where it was detected
    /// (nil when not meaningful).
    case malformed(file: String, item: String, offset: Int?, reason: String)
    /// A declared size exceeds a safety limit (zip bomb, absurd shape, header length…).
    case limitExceeded(file: String, item: String, value: Int, limit: Int)
    /// A pickle referenced a global outside the allow-list. Nothing was executed.
    case forbiddenGlobal(file: String, module: String, name: String, offset: Int)
    /// A pickle used an opcode the restricted unpickler does not implement.
    case unsupportedOpcode(file: String, opcode: UInt8, offset: Int)
    /// A tensor's element type cannot be converted as requested.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A required tensor is absent.
    case missingTensor(file: String, tensor: String)
    /// A tensor exists with the wrong shape.
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    /// A configuration field is missing or has the wrong type / an invalid value.
    case invalidConfiguration(file: String, field: String, reason: String)
    /// An output could not be created or written (the reason says why: missing directory, no
    /// space, permission).
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read file: \(reason)"
        case let .unknownFormat(file, reason):
            return "\(file): unrecognised file format: \(reason)"
        case let .truncated(file, item, offset, needed, available):
            return "\(file): truncated while reading \(item): needed \(needed) bytes at offset \(offset), only \(available) available"
        case let .malformed(file, item, offset, reason):
            let at = offset.map { " at byte offset \($0)" } ?? ""
            return "\(file): malformed \(item)\(at): \(reason)"
        case let .limitExceeded(file, item, value, limit):
            return "\(file): \(item) is \(value), over the limit of \(limit)"
        case let .forbiddenGlobal(file, module, name, offset):
            return "\(file): pickle refers to forbidden global '\(module).\(name)' at byte offset \(offset); only state-dict globals are allowed and nothing was executed"
        case let .unsupportedOpcode(file, opcode, offset):
            return "\(file): pickle opcode 0x\(String(opcode, radix: 16)) at byte offset \(offset) is not allowed in a state dict"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has unsupported dtype \(dtype)"
        case let .missingTensor(file, tensor):
            return "\(file): missing tensor '\(tensor)'"
        case let .shapeMismatch(file, tensor, expected, actual):
            return "\(file): tensor '\(tensor)' has shape \(actual), expected \(expected)"
        case let .invalidConfiguration(file, field, reason):
            return "\(file): configuration field '\(field)': \(reason)"
        case let .unwritable(file, reason):
            return "\(file): cannot write: \(reason)"
        }
    }
}

extension CheckpointError: LocalizedError {
    public var errorDescription: String? { description }
}
