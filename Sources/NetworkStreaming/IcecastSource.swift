import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why an Icecast connection failed.
public enum IcecastError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case connectFailed(host: String, port: Int, reason: String)
    /// 401: the source password (or user) is wrong.
    case badPassword(mount: String)
    /// 403 and Icecast says the mount is taken by another source.
    case mountInUse(mount: String)
    case refused(status: Int, message: String)
    case noResponse(String)

    public var description: String {
        switch self {
        case let .invalidURL(url): "not an Icecast source URL (http://source:PASSWORD@HOST:PORT/MOUNT): \(url)"
        case let .connectFailed(host, port, reason): "cannot connect to Icecast at \(host):\(port): \(reason)"
        case let .badPassword(mount): "Icecast refused the source password for \(mount) (401 Unauthorized): check the user and password in the URL"
        case let .mountInUse(mount): "Icecast mount \(mount) is already in use by another source (403 Forbidden)"
        case let .refused(status, message): "Icecast refused the source (\(status)): \(message)"
        case let .noResponse(reason): "Icecast did not answer the source request: \(reason)"
        }
    }
}

/// Sends the broadcaster's Ogg Opus stream to an Icecast 2.4 server as a source client: an HTTP
/// PUT with Basic auth and `ice-*` headers, the body neither chunked nor length-delimited (Icecast
/// 2.4 does not take chunked sources), paced to real time by the broadcaster. When the server goes
/// away it reconnects with exponential backoff and starts again with the header pages.
///
/// Thread safety: the page queue, the socket descriptor, the statistics and the `ending`/`stopped`
/// flags are guarded by one `NSCondition`. The broadcaster calls `offer`/`streamEnded`/`dropped`
/// from its thread (they only queue and signal); one sender thread owns the connection and does
/// all blocking I/O outside the lock; `stop` and `waitUntilFinished` may be called from any thread.
public final class IcecastSource: PageListener, @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var mount: String
        public var user: String
        public var password: String
        public var name = "OmniBark"
        public var description = "Live speech from OmniBark"
        public var genre = "Speech"
        public var url = "https://github.com/"
        /// Bits per second (sent as kbit/s in `ice-bitrate`).
        public var bitrate = 48_000
        public var isPublic = false
        /// Pages kept while disconnected (the oldest go first).
        public var queuePages = 500
        public var initialBackoff = 0.25
        public var maxBackoff = 10.0
        public var responseTimeout = 5.0

        /// Parses `http://source:PASSWORD@HOST:PORT/MOUNT` (user defaults to `source`, port to 8000).
        public init(url string: String) throws {
            guard let components = URLComponents(string: string), components.scheme == "http",
                  let host = components.host, !host.isEmpty, components.path.count > 1, let password = components.password else {
                throw IcecastError.invalidURL(string)
            }
            self.host = host
            port = components.port ?? 8000
            mount = components.path
            user = components.user ?? "source"
            self.password = password.removingPercentEncoding ?? password
        }

        /// The URL without the password, for logs.
        public var redactedURL: String { "http://\(user):***@\(host):\(port)\(mount)" }
    }

    public struct Statistics: Sendable, Equatable {
        public var connected = false
        public var connections = 0
        public var bytesSent = 0
        public var pagesDiscarded = 0
        public var lastError: String?
    }

    public let configuration: Configuration
    public let broadcaster: OpusBroadcaster
    public var name: String { configuration.redactedURL }
    private let log: @Sendable (String) -> Void

    private let condition = NSCondition()
    private var queue: [OggPage] = []
    private var stats = Statistics()
    private var ending = false
    private var stopped = false
    private var socket: Int32 = -1
    private let finished = DispatchSemaphore(value: 0)

    public init(configuration: Configuration, broadcaster: OpusBroadcaster,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("[icecast] " + $0 + "\n").utf8)) }) {
        self.configuration = configuration
        self.broadcaster = broadcaster
        self.log = log
    }

    public var statistics: Statistics { condition.withLock { stats } }

    /// Connects once (so a wrong password or a taken mount is reported at once, as a thrown
    /// `IcecastError`), then streams on its own thread, reconnecting as needed.
    public func start() throws {
        let fd = try connectAndHandshake()
        condition.withLock {
            socket = fd
            stats.connected = true
            stats.connections += 1
        }
        try sendHeaders(fd)
        guard broadcaster.add(self) else { close(fd); throw IcecastError.refused(status: 0, message: "the stream has ended") }
        let thread = Thread { [self] in senderLoop() }
        thread.name = "omnibark.icecast"
        thread.start()
    }

    /// Stops sending and closes the connection (Icecast then ends the mount).
    public func stop() {
        broadcaster.remove(self)
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
        finished.wait()
    }

    /// Blocks until the stream has ended and the last page went out (or the source stopped).
    public func waitUntilFinished() {
        finished.wait()
        finished.signal()
    }

    // MARK: PageListener

    public func offer(_ page: OggPage) -> Bool {
        condition.withLock {
            if queue.count >= configuration.queuePages {
                queue.removeFirst()
                stats.pagesDiscarded += 1
            }
            queue.append(page)
            condition.signal()
        }
        return true  // never dropped by the broadcaster: while Icecast is away, old pages go instead
    }

    public func streamEnded() {
        condition.withLock { ending = true; condition.broadcast() }
    }

    public func dropped(reason: String) {
        condition.withLock { stopped = true; condition.broadcast() }
    }

    // MARK: Sending

    private func senderLoop() {
        defer {
            condition.withLock {
                if socket >= 0 { close(socket); socket = -1 }
                stats.connected = false
            }
            finished.signal()
        }
        var backoff = configuration.initialBackoff
        while true {
            condition.lock()
            while queue.isEmpty && !ending && !stopped { condition.wait() }
            if stopped || (ending && queue.isEmpty) { condition.unlock(); return }
            let pages = queue
            queue.removeAll()
            var fd = socket
            condition.unlock()

            if fd < 0 {
                do {
                    fd = try connectAndHandshake()
                    try sendHeaders(fd)
                    condition.withLock { socket = fd; stats.connected = true; stats.connections += 1; stats.lastError = nil }
                    log("reconnected to \(configuration.redactedURL)")
                    backoff = configuration.initialBackoff
                } catch {
                    condition.withLock { stats.lastError = "\(error)"; stats.pagesDiscarded += pages.count }
                    log("\(error); retrying in \(String(format: "%.2f", backoff)) s")
                    sleepUnlessStopped(backoff)
                    backoff = min(configuration.maxBackoff, backoff * 2)
                    continue
                }
            }
            do {
                for page in pages { try sendAll(fd, page.bytes) }
                condition.withLock { stats.bytesSent += pages.reduce(0) { $0 + $1.bytes.count } }
            } catch {
                log("lost the connection to \(configuration.redactedURL) (\(error)); reconnecting")
                close(fd)
                condition.withLock { socket = -1; stats.connected = false; stats.lastError = "\(error)" }
            }
        }
    }

    private func sleepUnlessStopped(_ seconds: Double) {
        condition.lock()
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !stopped && Date() < deadline { _ = condition.wait(until: deadline) }
        condition.unlock()
    }

    private func sendHeaders(_ fd: Int32) throws {
        for page in broadcaster.headerPages { try sendAll(fd, page.bytes) }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IcecastError.connectFailed(host: configuration.host, port: configuration.port, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    /// Opens a TCP connection, sends the PUT request and reads Icecast's answer.
    private func connectAndHandshake() throws -> Int32 {
        let c = configuration
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(c.host, String(c.port), &hints, &result)
        guard rc == 0, let first = result else {
            throw IcecastError.connectFailed(host: c.host, port: c.port, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(result) }
        var fd: Int32 = -1
        var lastReason = "no address"
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let ai = info {
            fd = Glibc.socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd >= 0 {
                if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { break }
                lastReason = String(cString: strerror(errno))
                close(fd)
                fd = -1
            }
            info = ai.pointee.ai_next
        }
        guard fd >= 0 else { throw IcecastError.connectFailed(host: c.host, port: c.port, reason: lastReason) }
        var timeout = timeval(tv_sec: Int(c.responseTimeout), tv_usec: Int((c.responseTimeout - c.responseTimeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))

        let credentials = Data("\(c.user):\(c.password)".utf8).base64EncodedString()
        let request = [
            "PUT \(c.mount) HTTP/1.1",
            "Host: \(c.host):\(c.port)",
            "Authorization: Basic \(credentials)",
            "User-Agent: OmniBark",
            "Content-Type: audio/ogg",
            "ice-name: \(Self.headerValue(c.name))",
            "ice-description: \(Self.headerValue(c.description))",
            "ice-genre: \(Self.headerValue(c.genre))",
            "ice-url: \(Self.headerValue(c.url))",
            "ice-bitrate: \(max(1, c.bitrate / 1000))",
            "ice-public: \(c.isPublic ? 1 : 0)",
            "ice-audio-info: bitrate=\(max(1, c.bitrate / 1000));channels=1;samplerate=\(broadcaster.sampleRate)",
            "Expect: 100-continue",
            "", "",
        ].joined(separator: "\r\n")
        do {
            try sendAll(fd, Array(request.utf8))
            let (status, message) = try readResponse(fd)
            switch status {
            case 100, 200: return fd
            case 401: throw IcecastError.badPassword(mount: c.mount)
            case 403 where message.lowercased().contains("in use"): throw IcecastError.mountInUse(mount: c.mount)
            default: throw IcecastError.refused(status: status, message: message)
            }
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads a response head (and a short body, for the error text) until the blank line.
    private func readResponse(_ fd: Int32) throws -> (Int, String) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        let terminator: [UInt8] = [13, 10, 13, 10]
        while data.count < 16_384 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                if data.isEmpty { throw IcecastError.noResponse(n == 0 ? "the server closed the connection" : String(cString: strerror(errno))) }
                break
            }
            data += buffer[0..<n]
            if let end = Self.find(terminator, in: data) {
                let head = String(decoding: data[0..<end], as: UTF8.self)
                let status = head.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
                if status == 100 || status == 200 { return (status, head) }
                // Error answers carry a short text body; give the server a moment to send it.
                var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                while data.count < 16_384 {
                    let m = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if m <= 0 { break }
                    data += buffer[0..<m]
                }
                let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: " ")
                return (status, text)
            }
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, text)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    private static func headerValue(_ value: String) -> String {
        value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
