import Audio
import Foundation
import NetworkStreaming
import OmniBark
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `omnibark serve` end to end with real clients: the fixture model speaks, ffmpeg and opusdec
/// listen over HTTP, 100 raw listeners and a stalled one share the stream.
@Suite(.serialized) struct ServeTests {
    private func makeSession(bitrate: Int = 64_000, queuePages: Int = 250, maxListeners: Int = 256,
                             sendBuffer: Int? = 64 * 1024) throws -> (ServeSession, RecordingSink) {
        let model = try SpeechModel(directory: NetworkTestSupport.fixtureModel)
        var options = ServeOptions()
        options.engine.speech.greedy = true
        options.http.port = 0
        options.http.listenerQueuePages = queuePages
        options.http.listenerSendBufferBytes = sendBuffer
        options.http.maxRequestBytes = 2048
        options.broadcaster.maxListeners = maxListeners
        options.broadcaster.encoder.bitrate = bitrate
        let recorder = RecordingSink(sampleRate: 24_000)
        return (try ServeSession(model: model, options: options, extraSinks: [recorder], log: { line in if ProcessInfo.processInfo.environment["SERVE_TEST_LOG"] != nil { FileHandle.standardError.write(Data("\(Date().timeIntervalSince1970) \(line)\n".utf8)) } }), recorder)
    }

    private func say(_ port: Int, _ json: String) throws -> (Int, String) {
        try NetworkTestSupport.curl(["-H", "Content-Type: application/json", "--data-binary", json, "http://127.0.0.1:\(port)/say"])
    }

    @Test func ffmpegAndOpusdecDecodeWhatWasSaid() throws {
        guard let ffmpeg = NetworkTestSupport.require("ffmpeg"), let opusdec = NetworkTestSupport.require("opusdec"),
              NetworkTestSupport.require("curl") != nil else { return }
        let directory = try NetworkTestSupport.temporaryDirectory("serve-ffmpeg")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (session, recorder) = try makeSession()
        let port = try session.start()
        let url = "http://127.0.0.1:\(port)/stream.opus"
        let ffmpegProcess = try NetworkTestSupport.launch(ffmpeg, ["-nostdin", "-loglevel", "error", "-i", url, "-ar", "24000", "-ac", "1",
                                                                   "-c:a", "pcm_s16le", "-y", "ffmpeg.wav"], in: directory, label: "ffmpeg")
        let opusdecProcess = try NetworkTestSupport.launch("/bin/sh", ["-c", "curl -sN \(url) | \(opusdec) --rate 24000 - opusdec.wav"],
                                                           in: directory, label: "opusdec")
        #expect(NetworkTestSupport.waitFor(20) { session.broadcaster.listenerCount == 2 })
        let (status, body) = try say(port, #"{"text": "Hello, my dog is cute.", "seed": 0}"#)
        #expect(status == 202, "\(body)")
        #expect(NetworkTestSupport.waitFor(120) { session.engine.statistics.utterances == 1 })
        Thread.sleep(forTimeInterval: 0.5)
        try session.stop()
        #expect(NetworkTestSupport.wait(ffmpegProcess, timeout: 20), "ffmpeg ends with the stream")
        #expect(NetworkTestSupport.wait(opusdecProcess, timeout: 20), "opusdec ends with the stream")
        let reference = recorder.samples
        #expect(reference.count > 12_000)
        for name in ["ffmpeg", "opusdec"] {
            let decoded = try WAVReader.read(directory.appendingPathComponent("\(name).wav"))
            let result = NetworkTestSupport.compare(reference: reference, signal: decoded.samples, maxLag: 4800)
            print("serve → \(name) at 64 kbit/s: \(reference.count) engine samples found at \(result.lag), correlation \(String(format: "%.4f", result.correlation)), SNR \(String(format: "%.1f", result.snr)) dB")
            #expect(result.correlation > 0.9, "\(name)")
            #expect(result.snr > 6, "\(name)")
        }
        let statusJSON = session.status()
        #expect(statusJSON["droppedListeners"] as? Int == 0)
        #expect(statusJSON["listenersServed"] as? Int == 2)
    }

    @Test func hundredListenersGetTheWholeStreamAndAStalledOneIsDropped() throws {
        // 128 kbit/s and small socket buffers so the stalled listener's queue fills within seconds;
        // 400 pages (8 s) of queue so reading listeners ride out scheduling stalls of a loaded
        // machine (the whole suite runs in parallel) — the stream continues with silence until
        // the session stops, so the stalled listener still overflows its queue.
        let (session, _) = try makeSession(bitrate: 128_000, queuePages: 400, sendBuffer: 4096)
        let port = try session.start()
        let stalled = try RawListener(port: port, receiveBuffer: 1024)
        var listeners: [RawListener] = []
        for _ in 0..<100 { listeners.append(try RawListener(port: port)) }
        let reader = PollReader(listeners)
        reader.start()
        #expect(NetworkTestSupport.waitFor(20) { session.broadcaster.listenerCount == 101 })
        let (status, _) = try say(port, #"{"text": "Hello, my dog is cute."}"#)
        #expect(status == 202)
        print("said at \(Date().timeIntervalSince1970)")
        #expect(NetworkTestSupport.waitFor(120) { session.engine.statistics.utterances == 1 })
        print("spoken at \(Date().timeIntervalSince1970)")
        #expect(NetworkTestSupport.waitFor(30) { session.broadcaster.statistics.droppedListeners >= 1 }, "the stalled listener is dropped")
        Thread.sleep(forTimeInterval: 0.3)
        try session.stop()
        #expect(NetworkTestSupport.waitFor(30) { reader.allClosed })
        reader.stop()
        let stats = session.broadcaster.statistics
        #expect(stats.droppedListeners == 1)
        #expect(stats.listenersServed == 101)
        // Every reading listener got a complete, gapless Ogg stream that ends with the EOS page.
        var lastPages = Set<[UInt8]>()
        for listener in listeners {
            let body = listener.body()
            let pages = OggPage.split(body)
            #expect(pages.count >= 3)
            #expect(pages.prefix(2).allSatisfy { $0.isOpusHeader })
            let sequence = pages.dropFirst(2).map(\.sequenceNumber)
            #expect(zip(sequence, sequence.dropFirst()).allSatisfy { $1 == $0 &+ 1 }, "no page lost")
            #expect(pages.last?.isEndOfStream == true, "received to the end")
            #expect(pages.map(\.bytes.count).reduce(0, +) == body.count, "nothing but whole pages")
            if let last = pages.last { lastPages.insert(last.bytes) }
        }
        #expect(lastPages.count == 1)
        let stalledPages = OggPage.split(stalled.drainNow())
        #expect(stalledPages.last?.isEndOfStream != true, "the stalled listener was cut off")
        stalled.close()
        print("fan-out: 100 listeners received \(listeners.map { $0.body().count }.reduce(0, +)) bytes in total, each complete; stalled listener dropped (dropped count \(stats.droppedListeners))")
    }

    @Test func badRequestsAreRefusedWithClearMessages() throws {
        let (session, _) = try makeSession(maxListeners: 1)
        let port = try session.start()
        defer { try? session.stop() }
        var (status, body) = try say(port, "{not json")
        #expect(status == 400)
        #expect(body.contains("not valid JSON"))
        (status, body) = try say(port, #"{"voice": "v2/en_speaker_1"}"#)
        #expect(status == 400)
        #expect(body.contains("missing field \\\"text\\\""))
        (status, body) = try say(port, #"{"text": 5}"#)
        #expect(status == 400 && body.contains("must be a string"))
        (status, body) = try say(port, #"{"text": "hi", "seed": -1}"#)
        #expect(status == 400 && body.contains("seed"))
        (status, body) = try say(port, #"{"text": "hi", "colour": "red"}"#)
        #expect(status == 400 && body.contains("unknown field"))
        (status, body) = try say(port, "[1, 2]")
        #expect(status == 400 && body.contains("JSON object"))
        (status, body) = try say(port, "{\"text\": \"" + String(repeating: "a", count: 4000) + "\"}")
        #expect(status == 413, "larger than the request limit")
        (status, body) = try NetworkTestSupport.curl(["http://127.0.0.1:\(port)/nothing"])
        #expect(status == 404)
        (status, body) = try NetworkTestSupport.curl(["http://127.0.0.1:\(port)/status"])
        #expect(status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        for key in ["listeners", "queue", "timeToFirstAudio", "realTimeFactor", "underruns", "droppedListeners"] {
            #expect(json?[key] != nil, "status has \(key)")
        }
        // The listener limit: a second listener gets 503.
        let first = try RawListener(port: port)
        #expect(NetworkTestSupport.waitFor(10) { session.broadcaster.listenerCount == 1 })
        (status, body) = try NetworkTestSupport.curl(["-m", "5", "http://127.0.0.1:\(port)/stream.opus"])
        #expect(status == 503 && body.contains("too many listeners"))
        first.close()
    }
}

/// A bare TCP client that sends `GET /stream.opus` and reads (or never reads) the answer.
final class RawListener: @unchecked Sendable {
    let fd: Int32
    private let lock = NSLock()
    private var data: [UInt8] = []
    private(set) var closed = false

    init(port: Int, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = Array("GET /stream.opus HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads what is available without blocking; false at end of stream.
    func readAvailable() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { lock.withLock { data += buffer[0..<n] }; continue }
            if n == 0 { lock.withLock { closed = true }; return false }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return true }
            lock.withLock { closed = true }
            return false
        }
    }

    func drainNow() -> [UInt8] {
        _ = readAvailable()
        return body()
    }

    /// The response body: the head stripped and the chunked encoding undone.
    func body() -> [UInt8] {
        let raw = lock.withLock { data }
        guard let headEnd = Self.find([13, 10, 13, 10], in: raw, from: 0) else { return [] }
        var out: [UInt8] = []
        var i = headEnd + 4
        while i < raw.count, let lineEnd = Self.find([13, 10], in: raw, from: i) {
            guard let size = Int(String(decoding: raw[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) else { break }
            if size == 0 { break }
            let start = lineEnd + 2
            guard start + size <= raw.count else { break }
            out += raw[start..<(start + size)]
            i = start + size + 2
        }
        return out
    }

    func close() { Glibc.close(fd) }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count + from else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// One thread polling many listeners' sockets.
final class PollReader: @unchecked Sendable {
    private let listeners: [RawListener]
    private let lock = NSLock()
    private var running = true
    private var open: Set<Int32>

    init(_ listeners: [RawListener]) {
        self.listeners = listeners
        open = Set(listeners.map(\.fd))
    }

    func start() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                var fds = lock.withLock { listeners.filter { open.contains($0.fd) }.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) } }
                if fds.isEmpty { usleep(10_000); continue }
                _ = poll(&fds, nfds_t(fds.count), 50)
                for entry in fds where entry.revents != 0 {
                    if let listener = listeners.first(where: { $0.fd == entry.fd }), !listener.readAvailable() {
                        lock.withLock { _ = open.remove(entry.fd) }
                    }
                }
            }
        }
        thread.start()
    }

    var allClosed: Bool { lock.withLock { open.isEmpty } }

    func stop() {
        lock.withLock { running = false }
        usleep(100_000)
        for listener in listeners { listener.close() }
    }
}
