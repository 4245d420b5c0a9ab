import CLiblo

/// Sends OSC messages as UDP datagrams with liblo (`lo_send_message`), as `oscsend` would: the
/// client side of `OSCControlServer`, used by `omnibark bench --events` to steer the engine over
/// loopback.
///
/// Thread safety: the sender wraps one liblo address object, which liblo does not make safe for
/// concurrent sends (it keeps the socket and the last error in it): call `send` from one thread
/// at a time. `host` and `port` are immutable and may be read from any thread.
public final class OSCSender: @unchecked Sendable {
    /// One argument of a message.
    public enum Argument: Sendable, Equatable {
        case int32(Int32)
        case float(Float)
        case string(String)
    }

    /// Why a message could not be sent; names the destination and the address pattern.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let host: String
    public let port: Int
    private let address: lo_address

    /// A sender to `host:port` (UDP; nothing is sent until `send`).
    ///
    /// - Throws: `Failure` when `port` is outside 1…65535 or liblo cannot make the address.
    public init(host: String = "127.0.0.1", port: Int) throws(Failure) {
        guard (1...65_535).contains(port) else { throw Failure(description: "OSC destination port must be 1…65535, got \(port)") }
        guard let address = lo_address_new(host, String(port)) else {
            throw Failure(description: "liblo cannot make an OSC address for udp://\(host):\(port)")
        }
        self.host = host
        self.port = port
        self.address = address
    }

    deinit { lo_address_free(address) }

    /// Sends one message to `path` (e.g. `/omnibark/sfx`) with `arguments`.
    ///
    /// - Throws: `Failure` naming the destination and `path` when liblo reports an error.
    public func send(_ path: String, _ arguments: [Argument] = []) throws(Failure) {
        guard let message = lo_message_new() else { throw Failure(description: "liblo cannot allocate an OSC message for \(path)") }
        defer { lo_message_free(message) }
        for argument in arguments {
            switch argument {
            case let .int32(value): lo_message_add_int32(message, value)
            case let .float(value): lo_message_add_float(message, value)
            case let .string(value): lo_message_add_string(message, value)
            }
        }
        guard lo_send_message(address, path, message) >= 0 else {
            let reason = lo_address_errstr(address).map { String(cString: $0) } ?? "unknown error"
            throw Failure(description: "sending OSC \(path) to udp://\(host):\(port) failed: \(reason)")
        }
    }
}
