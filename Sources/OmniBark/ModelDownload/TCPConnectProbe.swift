import Checkpoints
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a URL's host and opens (then closes) a TCP connection to it within a time limit: the
/// connect timeout Linux URLSession lacks (libcurl's default is 300 s, and URLSession only bounds
/// connecting by its idle timeout). Run before each hub request, so a host that does not resolve,
/// refuses, or drops connection attempts is reported by name within `NetworkTimeouts.connect`.
///
/// Skipped when a proxy is configured (`http_proxy`, `https_proxy`, `all_proxy`, in either case):
/// libcurl then connects to the proxy, not to the host, and the idle timeout bounds that.
enum TCPConnectProbe {
    /// Whether the probe applies to `url` in `environment`.
    static func applies(to url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else { return false }
        let proxies = ["http_proxy", "https_proxy", "all_proxy"].flatMap { [$0, $0.uppercased()] }
        return !proxies.contains { environment[$0].map { !$0.isEmpty } ?? false }
    }

    /// The port `url` connects to: its own, or 443 for https and 80 otherwise.
    static func defaultPort(_ url: URL) -> Int {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
    }

    /// Connects to `url`'s host and port within `timeout` seconds, or throws a `NetworkFailure`.
    /// The blocking work runs on a Dispatch thread; a name lookup that hangs past the timeout is
    /// abandoned (its thread finishes on its own).
    static func check(_ url: URL, timeout: TimeInterval) async throws {
        guard let host = url.host else { return }
        let port = defaultPort(url)
        let outcome = ProbeOutcome()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            outcome.install(continuation)
            DispatchQueue.global().async {
                outcome.finish(Result { try reach(host: host, port: port, timeout: timeout) })
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                outcome.finish(.failure(NetworkFailure.connectTimedOut(host: host, port: port, seconds: timeout)))
            }
        }
    }

    /// Blocking: resolves `host`, tries each address until one accepts within the time left.
    private static func reach(host: String, port: Int, timeout: TimeInterval) throws {
        let deadline = DispatchTime.now() + timeout
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == EAI_SYSTEM ? ErrorMessage.posix(errno) : String(cString: gai_strerror(status))
            throw NetworkFailure.cannotResolve(host: host, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var failure: NetworkFailure = .connectTimedOut(host: host, port: port, seconds: timeout)
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next {
            next = address.pointee.ai_next
            let remaining = Int((Double(deadline.uptimeNanoseconds) - Double(DispatchTime.now().uptimeNanoseconds)) / 1e6)
            if remaining <= 0 { break }
            switch attempt(address.pointee, milliseconds: remaining) {
            case .connected: return
            case .timedOut: failure = .connectTimedOut(host: host, port: port, seconds: timeout)
            case .failed(let code): failure = .cannotConnect(host: host, port: port, reason: ErrorMessage.posix(code))
            }
        }
        throw failure
    }

    private enum AttemptResult { case connected, timedOut, failed(Int32) }

    /// One non-blocking connect, waited for with `poll`.
    private static func attempt(_ address: addrinfo, milliseconds: Int) -> AttemptResult {
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard fd >= 0 else { return .failed(errno) }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return .connected }
        guard errno == EINPROGRESS else { return .failed(errno) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32
        repeat { ready = poll(&descriptor, 1, Int32(clamping: milliseconds)) } while ready < 0 && errno == EINTR
        if ready == 0 { return .timedOut }
        if ready < 0 { return .failed(errno) }
        var socketError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0 else { return .failed(errno) }
        return socketError == 0 ? .connected : .failed(socketError)
    }
}

/// The probe's continuation, resumed once by whichever of the connect and the timer ends first.
///
/// Thread safety: `install` (called before either contender starts) and `finish` may run on any
/// thread; an `NSLock` guards the continuation, which `finish` takes out under the lock, so only
/// the first `finish` resumes it and later ones do nothing.
private final class ProbeOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Error>?

    func install(_ continuation: CheckedContinuation<Void, Error>) {
        lock.withLock { self.continuation = continuation }
    }

    func finish(_ result: Result<Void, Error>) {
        let waiting: CheckedContinuation<Void, Error>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }
}
