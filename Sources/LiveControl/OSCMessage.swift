/// One decoded OSC message: its address and arguments (bundles are unpacked into their messages).
public struct OSCMessage: Sendable, Equatable {
    /// One argument, by OSC type tag.
    public enum Argument: Sendable, Equatable {
        /// `i`: 32-bit integer.
        case int32(Int32)
        /// `h`: 64-bit integer.
        case int64(Int64)
        /// `f`: 32-bit float.
        case float(Float)
        /// `d`: 64-bit float.
        case double(Double)
        /// `s` or `S` (symbol): text, as UTF-8 bytes without the terminating NUL (not yet checked
        /// for UTF-8 or length: the address space does that and names the argument).
        case string([UInt8])
        /// Any other tag (`b` blob, `T`, `F`, `N`, `m`, `t`, `c` …), which no OmniBark address takes.
        case other(Character)

        /// The OSC type tag.
        public var tag: Character {
            switch self {
            case .int32: return "i"
            case .int64: return "h"
            case .float: return "f"
            case .double: return "d"
            case .string: return "s"
            case let .other(tag): return tag
            }
        }
    }

    /// The OSC address ("/omnibark/say").
    public var address: String
    public var arguments: [Argument]

    public init(address: String, arguments: [Argument]) {
        self.address = address
        self.arguments = arguments
    }

    /// The type tags as OSC writes them: "," then one tag per argument (",sf").
    public var typeTags: String { "," + String(arguments.map(\.tag)) }
}
