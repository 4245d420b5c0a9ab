import Checkpoints
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bound UDP socket (IPv4 or IPv6, close-on-exec) and the sender addresses of its datagrams.
///
/// Thread safety: the descriptor is set once in `bind` and closed once by its owner
/// (`OSCReceiver`) after the receiving thread has ended; reading it from that thread meanwhile is safe.
struct UDPSocket {
    let descriptor: Int32
    /// The port the socket is bound to (the system's choice when 0 was asked for).
    let port: Int

    /// Binds `host:port`: `host` is a numeric IPv4 or IPv6 address ("127.0.0.1", "0.0.0.0", "::1")
    /// or "localhost" (127.0.0.1).
    /// The receive buffer is raised to `receiveBufferBytes` where the system allows, so bursts of
    /// small datagrams wait instead of being dropped by the kernel.
    static func bind(host: String, port: Int, receiveBufferBytes: Int32) throws(OSCServerError) -> UDPSocket {
        guard (0...65535).contains(port) else { throw .invalidPort(port) }
        guard !host.isEmpty else { throw .invalidHost(host: host, reason: "the host is empty") }
        // Numeric addresses only (no resolver round trip that could stall start-up), and "localhost".
        let address = host == "localhost" ? "127.0.0.1" : host
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = datagramType
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .invalidHost(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var lastError: Int32 = EADDRNOTAVAIL
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var size = receiveBufferBytes
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            guard systemBind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                lastError = errno
                _ = close(fd)
                continue
            }
            guard let bound = boundPort(fd) else {
                lastError = errno
                _ = close(fd)
                continue
            }
            return UDPSocket(descriptor: fd, port: bound)
        }
        throw .bindFailed(host: host, port: port, reason: ErrorMessage.posix(lastError))
    }

    /// The local port of a bound socket.
    private static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        return endpoint(storage).port
    }

    /// "127.0.0.1:50000" or "[::1]:50000" for a sender address.
    static func describe(_ storage: sockaddr_storage) -> String {
        let (host, port) = endpoint(storage)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The numeric host and the port of an IPv4 or IPv6 address.
    private static func endpoint(_ storage: sockaddr_storage) -> (host: String, port: Int) {
        var copy = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafePointer(to: &copy) { pointer -> (String, Int) in
            let raw = UnsafeRawPointer(pointer)
            switch Int32(storage.ss_family) {
            case AF_INET:
                var address = raw.load(as: sockaddr_in.self)
                _ = inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count))
                return (cText(text), Int(UInt16(bigEndian: address.sin_port)))
            case AF_INET6:
                var address = raw.load(as: sockaddr_in6.self)
                _ = inet_ntop(AF_INET6, &address.sin6_addr, &text, socklen_t(text.count))
                return (cText(text), Int(UInt16(bigEndian: address.sin6_port)))
            default:
                return ("(address family \(storage.ss_family))", 0)
            }
        }
    }

    #if canImport(Glibc)
    private static let datagramType = Int32(SOCK_DGRAM.rawValue)
    #else
    private static let datagramType = SOCK_DGRAM
    #endif
}

/// The text of a NUL-terminated C buffer.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// `bind(2)` under a name the static method above does not shadow.
private func systemBind(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    bind(fd, address, length)
}
