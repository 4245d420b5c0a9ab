import Foundation

/// Why the OSC server could not start.
public enum OSCServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The port is outside 0…65535 (0 asks the system for a free port).
    case invalidPort(Int)
    /// The host is not a numeric IP address (nor "localhost"); `reason` is the resolver's.
    case invalidHost(host: String, reason: String)
    /// Binding `host:port` failed; `reason` is the system's ("Address already in use").
    case bindFailed(host: String, port: Int, reason: String)
    /// The receiving thread's wake-up pipe could not be made; `reason` is the system's.
    case cannotStart(reason: String)

    public var description: String {
        switch self {
        case let .invalidPort(port):
            return "OSC port \(port) is not a UDP port: give 1…65535 (or 0 for any free port)"
        case let .invalidHost(host, reason):
            return "OSC host \"\(host)\" is not an address to listen on: \(reason) (give a numeric IP address such as 127.0.0.1, or 0.0.0.0 for all interfaces)"
        case let .bindFailed(host, port, reason):
            return "cannot listen for OSC on \(host):\(port) (UDP): \(reason)"
                + (reason.lowercased().contains("in use") ? " (another program holds that port: choose another with --osc-port)" : "")
        case let .cannotStart(reason):
            return "cannot start the OSC server: \(reason)"
        }
    }
}

extension OSCServerError: LocalizedError {
    public var errorDescription: String? { description }
}
