import Foundation

/// How long one hub request may wait on the network, in seconds.
///
/// `connect` bounds resolving the host name and opening the TCP connection (checked by
/// `TCPConnectProbe` before each request, because Linux URLSession, built on libcurl, has no
/// connect timeout of its own); `read` is an idle timeout: the request fails when no bytes arrive
/// for that long (URLSession's `timeoutIntervalForRequest`, which on Linux also runs while
/// connecting). One attempt therefore ends within `connect + read` unless data keeps arriving.
public struct NetworkTimeouts: Sendable, Equatable {
    /// Seconds allowed to resolve the host and open the connection.
    public var connect: TimeInterval
    /// Seconds a request may go without receiving any bytes.
    public var read: TimeInterval

    /// 10 s to connect, 30 s without data: what `omnibark models pull` uses unless told otherwise.
    public static let standard = NetworkTimeouts(connect: 10, read: 30)

    public init(connect: TimeInterval, read: TimeInterval) {
        self.connect = connect
        self.read = read
    }

    /// The longest one attempt waits without receiving data: `connect + read` seconds.
    public var perAttempt: TimeInterval { connect + read }
}
