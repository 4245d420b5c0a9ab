import CLiblo
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes one UDP datagram of OSC: a message, decoded and validated by liblo
/// (`lo_message_deserialise`: address and type-tag strings, padding, argument sizes), or a
/// `#bundle`, whose framing (time tag, size-prefixed elements, nested bundles) is walked here and
/// each element handed to liblo. Bundle time tags are ignored: each message applies on arrival
/// (or after its own delay argument).
///
/// Thread safety: stateless; any thread.
public enum OSCPacketDecoder {
    /// Why a datagram did not decode.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong, naming the byte offset in the datagram where that helps.
        public var reason: String
        public var description: String { reason }
    }

    /// Deepest nesting of bundles accepted (a bundle inside a bundle … `maximumBundleDepth` deep).
    public static let maximumBundleDepth = 8

    /// The messages of `datagram`, in order (one for a message, those of a bundle depth-first).
    /// Throws `Failure` when the datagram, or any element of a bundle, is not valid OSC; then no
    /// message of it counts.
    public static func decode(_ datagram: [UInt8]) throws(Failure) -> [OSCMessage] {
        var messages: [OSCMessage] = []
        try decode(datagram[...], baseOffset: 0, depth: 0, into: &messages)
        return messages
    }

    private static let bundleHeader: [UInt8] = Array("#bundle".utf8) + [0]

    private static func decode(_ bytes: ArraySlice<UInt8>, baseOffset: Int, depth: Int,
                               into messages: inout [OSCMessage]) throws(Failure) {
        guard !bytes.isEmpty else { throw Failure(reason: "empty packet at byte \(baseOffset)") }
        guard bytes.first == UInt8(ascii: "#") else {
            messages.append(try decodeMessage(bytes, baseOffset: baseOffset))
            return
        }
        guard bytes.count >= 16, Array(bytes.prefix(8)) == bundleHeader else {
            throw Failure(reason: "byte \(baseOffset): starts with '#' but is not a \"#bundle\" with a time tag (\(bytes.count) bytes)")
        }
        guard depth < maximumBundleDepth else {
            throw Failure(reason: "byte \(baseOffset): bundles nested deeper than \(maximumBundleDepth)")
        }
        var position = bytes.startIndex + 16  // "#bundle\0" and the 8-byte time tag
        while position < bytes.endIndex {
            let offset = baseOffset + (position - bytes.startIndex)
            guard bytes.endIndex - position >= 4 else {
                throw Failure(reason: "byte \(offset): bundle element size cut short (\(bytes.endIndex - position) bytes left)")
            }
            let size = bytes[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            position += 4
            guard size > 0, size % 4 == 0, size <= bytes.endIndex - position else {
                throw Failure(reason: "byte \(offset): bundle element size \(size) is not a positive multiple of 4 within the \(bytes.endIndex - position) bytes left")
            }
            try decode(bytes[position..<position + size], baseOffset: offset + 4, depth: depth + 1, into: &messages)
            position += size
        }
    }

    /// One message, decoded by liblo.
    private static func decodeMessage(_ bytes: ArraySlice<UInt8>, baseOffset: Int) throws(Failure) -> OSCMessage {
        // liblo reads from a mutable pointer (it byte-swaps a copy); give it its own buffer.
        var buffer = Array(bytes)
        let count = buffer.count
        var result: Int32 = 0
        let decoded: Result<OSCMessage, Failure> = buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress, let message = lo_message_deserialise(base, count, &result) else {
                return .failure(Failure(reason: "byte \(baseOffset): not a valid OSC message (\(count) bytes): \(reason(result))"))
            }
            defer { lo_message_free(message) }
            // The address is the NUL-terminated string liblo just validated at the start.
            let addressLength = raw.firstIndex(of: 0) ?? count
            let address = String(decoding: raw.prefix(addressLength), as: UTF8.self)
            return .success(OSCMessage(address: address, arguments: arguments(of: message)))
        }
        return try decoded.get()
    }

    /// The arguments of a decoded liblo message.
    private static func arguments(of message: lo_message) -> [OSCMessage.Argument] {
        let argc = Int(lo_message_get_argc(message))
        guard argc > 0, let types = lo_message_get_types(message), let argv = lo_message_get_argv(message) else { return [] }
        var arguments: [OSCMessage.Argument] = []
        arguments.reserveCapacity(argc)
        for index in 0..<argc {
            let tag = UInt8(bitPattern: types[index])
            guard let argument = argv[index] else {
                arguments.append(.other(Character(Unicode.Scalar(tag))))
                continue
            }
            // Read only the argument's own bytes: `argument.pointee` would load the whole 8-byte
            // `lo_arg` union, past the end of liblo's copy when a 4-byte argument comes last
            // (found by fuzz-osc-packet). liblo aligns arguments to 4 bytes only, hence unaligned loads.
            let bytes = UnsafeRawPointer(argument)
            switch tag {
            case UInt8(ascii: "i"): arguments.append(.int32(bytes.loadUnaligned(as: Int32.self)))
            case UInt8(ascii: "h"): arguments.append(.int64(bytes.loadUnaligned(as: Int64.self)))
            case UInt8(ascii: "f"): arguments.append(.float(bytes.loadUnaligned(as: Float.self)))
            case UInt8(ascii: "d"): arguments.append(.double(bytes.loadUnaligned(as: Double.self)))
            case UInt8(ascii: "s"), UInt8(ascii: "S"):
                // Strings live inline in the argument (liblo checked the terminating NUL).
                let text = UnsafeRawPointer(argument).assumingMemoryBound(to: CChar.self)
                let length = strlen(text)
                arguments.append(.string(Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(text), count: length))))
            default: arguments.append(.other(Character(Unicode.Scalar(tag))))
            }
        }
        return arguments
    }

    /// liblo's error codes in words.
    private static func reason(_ code: Int32) -> String {
        switch code {
        case LO_ENOPATH, LO_EINVALIDPATH: return "missing or invalid address"
        case LO_ENOTYPE, LO_EINVALIDTYPE: return "missing or invalid type tags"
        case LO_EBADTYPE: return "unknown type tag"
        case LO_ESIZE: return "arguments do not match the packet size"
        case LO_EINVALIDARG: return "an argument is cut short or invalid"
        case LO_ETERM: return "a string is not terminated"
        case LO_EPAD: return "bad padding"
        case LO_EINVALIDBUND: return "invalid bundle"
        case LO_EINVALIDTIME: return "invalid time tag"
        case LO_EALLOC: return "out of memory"
        default: return "liblo error \(code)"
        }
    }
}
