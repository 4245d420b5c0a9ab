import Foundation
import NIOCore

/// Why the HTTP server could not start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The port is outside 0…65535 (0 asks the system for a free port).
    case invalidPort(Int)
    /// Binding `host:port` failed; `reason` is the system's ("Address already in use").
    case bindFailed(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case let .invalidPort(port):
            return "port \(port) is not a TCP port: give 1…65535 (or 0 for any free port)"
        case let .bindFailed(host, port, reason):
            return "cannot listen on \(host):\(port): \(reason)"
                + (reason.lowercased().contains("in use") ? " (another server holds that port: choose another with --port)" : "")
        }
    }

    /// The system's reason inside a NIO bind error, without NIO's type names.
    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if let error = error as? SocketAddressError {
            switch error {
            case .unknown(let host, _): return "the address \(host) cannot be resolved"
            default: return "the address is not valid"
            }
        }
        return "the socket could not be opened"
    }
}
