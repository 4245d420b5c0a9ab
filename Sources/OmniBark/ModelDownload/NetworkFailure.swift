import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a request got no (complete) answer, in words a user can act on; the stated timeouts are
/// named when they fire. Replaces URLError's texts, which on Linux are often "The operation could
/// not be completed. (NSURLErrorDomain error -1001.)".
public enum NetworkFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host name does not resolve (`reason` as `gai_strerror` words it).
    case cannotResolve(host: String, reason: String)
    /// The connection was refused or the host is unreachable (`reason` as `strerror` words it).
    case cannotConnect(host: String, port: Int, reason: String)
    /// No connection within the connect timeout.
    case connectTimedOut(host: String, port: Int, seconds: TimeInterval)
    /// No bytes for the read timeout.
    case readTimedOut(seconds: TimeInterval)
    /// The server closed the connection before its answer was complete.
    case connectionLost
    /// Any other failure, described by libcurl's message or the URLError code.
    case other(String)

    public var description: String {
        switch self {
        case let .cannotResolve(host, reason):
            return "cannot resolve host \(host): \(reason)"
        case let .cannotConnect(host, port, reason):
            return "cannot connect to \(host):\(port): \(reason)"
        case let .connectTimedOut(host, port, seconds):
            return "no connection to \(host):\(port) within \(TimeoutText.seconds(seconds)) (connect timeout)"
        case let .readTimedOut(seconds):
            return "no data received for \(TimeoutText.seconds(seconds)) (read timeout)"
        case .connectionLost:
            return "the server closed the connection before its answer was complete"
        case let .other(text):
            return text
        }
    }

    /// The failure a URLError from a request to `url` stands for, `readTimeout` being the idle
    /// timeout the request ran with.
    static func from(_ error: URLError, url: URL?, readTimeout: TimeInterval) -> NetworkFailure {
        let host = url?.host ?? "the server"
        switch error.code {
        case .timedOut:
            return .readTimedOut(seconds: readTimeout)
        case .cannotFindHost, .dnsLookupFailed:
            return .cannotResolve(host: host, reason: "the name does not resolve")
        case .cannotConnectToHost:
            return .cannotConnect(host: host, port: url.map(TCPConnectProbe.defaultPort) ?? 0, reason: "refused or unreachable")
        case .networkConnectionLost:
            return .connectionLost
        case .notConnectedToInternet:
            return .other("the network is not reachable")
        case .badServerResponse:
            return .other("the server's answer is not valid HTTP")
        default:
            // libcurl's own message ("SSL certificate problem: …") when there is one; URLError's
            // localizedDescription is a generic "The operation could not be completed" otherwise.
            if let message = error.userInfo[NSLocalizedDescriptionKey] as? String, !message.isEmpty {
                return .other(message)
            }
            return .other("network error \(error.code.rawValue)")
        }
    }
}
