import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Live control over OSC (Open Sound Control) on UDP: every datagram is decoded (messages by
/// liblo, see `OSCPacketDecoder`), mapped through `OSCAddressSpace` and posted to the inbox as a
/// `LiveEvent` from `.osc`:
///
///     /omnibark/say s                 queue text
///     /omnibark/beat [f]              beat marker now, or f seconds from now
///     /omnibark/sfx i|s [f]           SFX trigger slot i (or named s), optional delay
///     /omnibark/phoneme s [f]         phoneme hint
///     /omnibark/style s               style instruction (text-adapter prefix); "" clears
///     /omnibark/weight/<modality> f   modality text|audio|image|control, weight ≥ 0
///
/// Numbers may come as i, h, f or d. Anything else — unknown address, wrong type tags, NaN or
/// negative weight, strings over 4096 bytes, packets that do not decode — goes to
/// `inbox.reportMalformed` and is ignored. Each datagram is stamped with `playedSamples()` (24 kHz
/// output-timeline samples played so far) as `receivedSample`; a delay of d seconds gives
/// `dueSample = receivedSample + round(d × 24000)`.
///
/// The server listens on `host` (127.0.0.1 by default, so only this machine can steer the
/// engine; "0.0.0.0" or "::" for all interfaces). It binds its own socket because liblo 0.31's
/// server always listens on every interface.
///
/// Thread safety: a dedicated receiving thread ("omnibark-osc") reads the socket, calls
/// `playedSamples` and posts to the inbox; `playedSamples` must therefore be safe to call from
/// that thread (read an atomic counter). `port` may be read from any thread; `stop` may be called
/// from any thread except the receiving one (that is, not from the inbox's `diagnostics`
/// closure), any number of times. Deinitialising the server stops it.
public final class OSCControlServer: @unchecked Sendable {
    /// The UDP port the server listens on (the system's choice when 0 was asked for).
    public let port: Int
    /// The host it was asked to listen on.
    public let host: String
    private let receiver: OSCReceiver

    /// Starts listening on `host:port` (UDP; `port` 0…65535, 0 picks a free port).
    ///
    /// - Parameters:
    ///   - inbox: receives the events and the reports of malformed input.
    ///   - playedSamples: the output-timeline position now (24 kHz samples played since the
    ///     stream started); called on the receiving thread once per datagram.
    /// - Throws: `OSCServerError.invalidPort`, `.invalidHost`, or `.bindFailed` naming `host:port`.
    public init(port: Int, host: String = "127.0.0.1", inbox: LiveEventInbox,
                playedSamples: @escaping @Sendable () -> Int64) throws(OSCServerError) {
        let socket = try UDPSocket.bind(host: host, port: port, receiveBufferBytes: OSCReceiver.receiveBufferBytes)
        self.host = host
        self.port = socket.port
        receiver = try OSCReceiver(socket: socket, inbox: inbox, playedSamples: playedSamples)
    }

    deinit { receiver.stop() }

    /// Stops listening and waits for the receiving thread to end; then closes the socket.
    /// Idempotent. Datagrams still queued in the socket are discarded.
    public func stop() { receiver.stop() }
}

/// The receiving thread of an `OSCControlServer`: waits on the socket and a wake-up pipe, decodes
/// datagrams and posts their events.
///
/// Thread safety: `stopLock` guards `stopped`; the socket and pipe descriptors are read by the
/// receiving thread and closed by `stop` only after that thread has signalled `finished`.
final class OSCReceiver: @unchecked Sendable {
    /// The socket receive buffer asked for (bytes): about a thousand small datagrams can wait
    /// while the receiving thread is descheduled.
    static let receiveBufferBytes: Int32 = 1 << 20
    /// Largest UDP payload over IPv4/IPv6 without jumbograms, plus one byte.
    private static let datagramBufferBytes = 65_536

    private let socket: UDPSocket
    private let inbox: LiveEventInbox
    private let playedSamples: @Sendable () -> Int64
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let finished = DispatchSemaphore(value: 0)
    private let stopLock = NSLock()
    private var stopped = false

    init(socket: UDPSocket, inbox: LiveEventInbox, playedSamples: @escaping @Sendable () -> Int64) throws(OSCServerError) {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = close(socket.descriptor)
            throw .cannotStart(reason: reason)
        }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        self.socket = socket
        self.inbox = inbox
        self.playedSamples = playedSamples
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        let thread = Thread { [self] in
            receiveLoop()
            finished.signal()
        }
        thread.name = "omnibark-osc"
        thread.start()
    }

    /// Wakes the receiving thread, waits for it to end and closes the descriptors; idempotent.
    func stop() {
        stopLock.lock()
        let first = !stopped
        stopped = true
        stopLock.unlock()
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        finished.wait()
        for fd in [socket.descriptor, wakeRead, wakeWrite] { _ = close(fd) }
    }

    private var isStopped: Bool {
        stopLock.lock()
        defer { stopLock.unlock() }
        return stopped
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: Self.datagramBufferBytes)
        var watched = [pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        while !isStopped {
            let ready = poll(&watched, nfds_t(watched.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return  // the descriptors are gone: nothing more can arrive
            }
            if watched[1].revents != 0 { return }
            guard watched[0].revents != 0 else { continue }
            // Drain every datagram waiting, then poll again.
            while let (count, sender) = receive(into: &buffer) {
                handle(Array(buffer[0..<count]), sender: sender)
            }
        }
    }

    /// One waiting datagram's size and sender; nil when none is waiting.
    private func receive(into buffer: inout [UInt8]) -> (Int, sockaddr_storage)? {
        while true {
            var sender = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &sender) { address in
                    address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(socket.descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &length)
                    }
                }
            }
            if count >= 0 { return (count, sender) }
            if errno == EINTR { continue }
            return nil  // EAGAIN: drained (any other error: poll reports the socket again or the loop ends)
        }
    }

    /// Decodes one datagram and posts its events, or reports why it was refused.
    private func handle(_ datagram: [UInt8], sender: sockaddr_storage) {
        let arrival = DispatchTime.now().uptimeNanoseconds
        let sample = playedSamples()
        let messages: [OSCMessage]
        do { messages = try OSCPacketDecoder.decode(datagram) } catch {
            inbox.reportMalformed(source: .osc, kind: "unparsable packet",
                                  detail: "\(error.reason) from \(UDPSocket.describe(sender))", receivedSample: sample)
            return
        }
        for message in messages {
            switch OSCAddressSpace.action(for: message) {
            case let .success((action, delay)):
                inbox.post(LiveEvent(source: .osc, action: action, receivedSample: sample,
                                     dueSample: LiveEvent.dueSample(receivedSample: sample, delaySeconds: delay),
                                     receivedUptimeNanos: arrival))
            case let .failure(rejection):
                inbox.reportMalformed(source: .osc, kind: rejection.kind,
                                      detail: "\(rejection.detail) from \(UDPSocket.describe(sender))", receivedSample: sample)
            }
        }
    }
}
