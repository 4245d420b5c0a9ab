import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request as the server's routes see it (the whole body, within the size limit).
public struct HTTPRequestValue: Sendable {
    public var method: String
    public var path: String
    public var query: String?
    public var body: [UInt8]
}

/// A complete response for a route.
public struct HTTPResponseValue: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A JSON response from a JSON-serialisable object (dictionaries, arrays, strings, numbers, NSNull).
    public static func json(_ object: Any, status: Int = 200) -> HTTPResponseValue {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return HTTPResponseValue(status: status, contentType: "application/json", body: Array(data) + [0x0A])
    }

    /// `{"error": message}` with `status`.
    public static func error(_ message: String, status: Int) -> HTTPResponseValue {
        json(["error": message], status: status)
    }
}

/// The HTTP/1.1 front of the broadcaster: `GET /stream.opus` streams Ogg Opus (chunked) to each
/// listener from its own bounded queue; other routes are plain request → response handlers.
///
/// Thread safety: the configuration, routes and event loop group are immutable after `init`;
/// `channel` and `port` are written by `start` before any connection is served and read by
/// `stop`, which the owner calls from one thread after `start` returned. Routes run on the event
/// loop and must be thread-safe themselves.
public final class OpusHTTPServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// 127.0.0.1 unless asked otherwise: the server is not exposed by default.
        public var host = "127.0.0.1"
        /// 0 picks a free port (see `port` after `start`).
        public var port = 8000
        public var streamPath = "/stream.opus"
        /// Request bodies larger than this get 413.
        public var maxRequestBytes = 16 * 1024
        /// Pages a listener may have waiting (20 ms pages: 250 = 5 s); a listener whose queue is
        /// full is dropped.
        public var listenerQueuePages = 250
        /// The socket's send buffer per listener (SO_SNDBUF), so a stalled reader is noticed soon.
        public var listenerSendBufferBytes: Int? = 64 * 1024
        public var eventLoopThreads = 1
        public init() {}
    }

    public typealias Route = @Sendable (HTTPRequestValue) -> HTTPResponseValue

    public let configuration: Configuration
    public let broadcaster: OpusBroadcaster
    let routes: [String: Route]
    let log: @Sendable (String) -> Void
    private let group: MultiThreadedEventLoopGroup
    private var channel: Channel?
    /// The port bound by `start`.
    public private(set) var port = 0

    /// `routes` keys are "METHOD /path", e.g. "POST /say"; a key ending in `/*` ("GET /say/*")
    /// takes every path below that prefix.
    public init(configuration: Configuration = Configuration(), broadcaster: OpusBroadcaster, routes: [String: Route] = [:],
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("[http] " + $0 + "\n").utf8)) }) {
        self.configuration = configuration
        self.broadcaster = broadcaster
        self.routes = routes
        self.log = log
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
    }

    /// Binds and starts serving; returns the bound port. Throws `HTTPServerError` for a port
    /// outside 0…65535 or an address that cannot be bound (it names host:port and the reason).
    @discardableResult
    public func start() throws -> Int {
        guard (0...65_535).contains(configuration.port) else { throw HTTPServerError.invalidPort(configuration.port) }
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 4 * 1024, high: 16 * 1024))
            .childChannelInitializer { [self] channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(server: self))
                }
            }
        if let bytes = configuration.listenerSendBufferBytes {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(bytes))
        }
        let channel: Channel
        do {
            channel = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
        } catch {
            throw HTTPServerError.bindFailed(host: configuration.host, port: configuration.port, reason: HTTPServerError.reason(error))
        }
        self.channel = channel
        port = channel.localAddress?.port ?? configuration.port
        return port
    }

    /// Stops accepting and closes every connection.
    public func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    func route(_ request: HTTPRequestValue) -> HTTPResponseValue {
        if let handler = routes["\(request.method) \(request.path)"] { return handler(request) }
        let matching = routes.filter { key, _ in Self.route(key, covers: request.path) }
        if let handler = matching.first(where: { $0.key.hasPrefix(request.method + " ") })?.value { return handler(request) }
        if !matching.isEmpty || request.path == configuration.streamPath {
            return .error("method \(request.method) is not allowed on \(request.path)", status: 405)
        }
        return .error("no such resource: \(request.path)", status: 404)
    }

    /// Whether route key "METHOD /path" (or "METHOD /prefix/*") names `path`.
    private static func route(_ key: String, covers path: String) -> Bool {
        guard let pattern = key.split(separator: " ", maxSplits: 1).last else { return false }
        if pattern.hasSuffix("/*") {
            let prefix = pattern.dropLast()
            return path.hasPrefix(prefix) && path.count > prefix.count
        }
        return pattern == path
    }
}

/// One HTTP connection: API requests, or a stream listener.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: OpusHTTPServer
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false
    private var listener: HTTPPageListener?

    init(server: OpusHTTPServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
            tooLarge = false
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init), length > server.configuration.maxRequestBytes {
                tooLarge = true
            }
        case .body(let chunk):
            if tooLarge { return }
            if body.readableBytes + chunk.readableBytes > server.configuration.maxRequestBytes {
                tooLarge = true
                body.clear()
            } else {
                var chunk = chunk
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                respond(context: context, .error("request body is larger than \(server.configuration.maxRequestBytes) bytes", status: 413))
                return
            }
            let parts = head.uri.split(separator: "?", maxSplits: 1)
            let path = parts.first.map(String.init) ?? "/"
            if path == server.configuration.streamPath && (head.method == .GET || head.method == .HEAD) {
                startStream(context: context, headOnly: head.method == .HEAD)
                return
            }
            let request = HTTPRequestValue(method: head.method.rawValue, path: path, query: parts.count > 1 ? String(parts[1]) : nil,
                                           body: body.readBytes(length: body.readableBytes) ?? [])
            respond(context: context, server.route(request))
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { listener?.drain() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let listener {
            listener.markClosed()
            server.broadcaster.remove(listener)
        }
        context.fireChannelInactive()
    }

    private func startStream(context: ChannelHandlerContext, headOnly: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "audio/ogg")
        headers.add(name: "Cache-Control", value: "no-cache, no-store")
        headers.add(name: "Access-Control-Allow-Origin", value: "*")
        if server.broadcaster.hasEnded {
            respond(context: context, .error("the stream has ended", status: 410))
            return
        }
        if headOnly {
            headers.add(name: "Content-Length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "listener"
        let listener = HTTPPageListener(name: peer, channel: context.channel, capacity: server.configuration.listenerQueuePages)
        // `add` queues the header pages and schedules their write on this event loop, so the
        // response head written below still goes first.
        guard server.broadcaster.add(listener) else {
            server.log("refused listener \(peer): listener limit (\(server.broadcaster.configuration.maxListeners)) reached or stream ended")
            respond(context: context, .error("too many listeners (at most \(server.broadcaster.configuration.maxListeners))", status: 503))
            return
        }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        self.listener = listener
        server.log("listener \(peer) joined (\(server.broadcaster.listenerCount) listening)")
    }

    private func respond(context: ChannelHandlerContext, _ response: HTTPResponseValue) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// A stream listener's bounded page queue, drained on its channel's event loop whenever the
/// socket can take more.
///
/// Thread safety: the queue and the `scheduled`/`ending`/`closed` flags are guarded by `lock`;
/// `offer` and `streamEnded` come from the broadcaster's thread and only queue work and schedule
/// `drain`, which runs on the channel's event loop (the only place the channel is written).
final class HTTPPageListener: PageListener, @unchecked Sendable {
    let name: String
    private let channel: Channel
    private let capacity: Int
    private let lock = NSLock()
    private var queue: [OggPage] = []
    private var queueHead = 0
    private var scheduled = false
    private var ending = false
    private var closed = false

    init(name: String, channel: Channel, capacity: Int) {
        self.name = name
        self.channel = channel
        self.capacity = capacity
    }

    func offer(_ page: OggPage) -> Bool {
        // A listener that has gone away takes (and ignores) pages until the broadcaster removes it.
        let (accepted, schedule): (Bool, Bool) = lock.withLock {
            if closed { return (true, false) }
            if queue.count - queueHead >= capacity { return (false, false) }
            queue.append(page)
            defer { scheduled = true }
            return (true, !scheduled)
        }
        if schedule { channel.eventLoop.execute { self.drain() } }
        return accepted
    }

    func streamEnded() {
        let schedule: Bool = lock.withLock {
            ending = true
            defer { scheduled = true }
            return !scheduled
        }
        if schedule { channel.eventLoop.execute { self.drain() } }
    }

    func dropped(reason: String) {
        lock.withLock {
            closed = true
            queue.removeAll()
            queueHead = 0
        }
        channel.close(promise: nil)
    }

    func markClosed() {
        lock.withLock { closed = true; queue.removeAll(); queueHead = 0 }
    }

    /// Writes queued pages while the channel is writable (on the event loop), all waiting pages
    /// in one chunk: a listener that fell behind catches up in few writes.
    func drain() {
        var wrote = false
        var end = false
        while true {
            let batch: ByteBuffer? = lock.withLock {
                guard channel.isWritable, !closed else { scheduled = false; return nil }
                guard queueHead < queue.count else {
                    scheduled = false
                    end = ending
                    if end { closed = true }
                    return nil
                }
                var buffer = channel.allocator.buffer(capacity: queue[queueHead...].reduce(0) { $0 + $1.bytes.count })
                for page in queue[queueHead...] { buffer.writeBytes(page.bytes) }
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
                return buffer
            }
            guard let batch else { break }
            channel.write(HTTPServerResponsePart.body(.byteBuffer(batch)), promise: nil)
            wrote = true
        }
        if end {
            let channel = self.channel
            channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
        } else if wrote {
            channel.flush()
        }
    }
}
