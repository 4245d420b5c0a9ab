import Foundation

/// The JACK output as an `AudioSink`: `write` (generation thread) puts samples into the lock-free
/// ring buffer, waiting while it is full; the JACK process callback (`JackSink`) plays from it.
/// The realtime side never waits for this one.
///
/// Thread safety: `write`, `finish` and `cancel` are called by one thread at a time (the engine's
/// generation thread); the counters may be read from any thread.
public final class JackAudioSink: AudioSink, @unchecked Sendable {
    public let jack: JackSink
    public let ring: SPSCRingBuffer
    private let lock = NSLock()
    /// Underrun events when the first sample was written, and when `finish` began (the end of the
    /// stream itself is not an underrun).
    private var underrunsAtStart: Int?
    private var underrunsAtFinish: Int?
    /// When the server has gone away: wait for someone to `jack.reconnect()` (true) or fail the
    /// write (false, the default).
    public var waitsForReconnection = false

    /// Opens the JACK client. `bufferSeconds` of audio can be queued ahead of playback (at 48 kHz).
    public init(configuration: JackSink.Configuration, bufferSeconds: Double = 4) throws {
        ring = SPSCRingBuffer(minimumCapacity: max(4096, Int(bufferSeconds * 48_000)))
        jack = try JackSink(ring: ring, configuration: configuration)
    }

    /// The JACK server's rate: the engine resamples to it.
    public var sampleRate: Int { jack.sampleRate }

    /// Underrun events between the first sample written and the start of `finish` (silence while
    /// audio was due). Readable from any thread.
    public var underruns: Int {
        lock.withLock {
            guard let start = underrunsAtStart else { return 0 }
            return (underrunsAtFinish ?? jack.underrunEvents) - start
        }
    }

    public func write(_ samples: [Float]) throws {
        lock.withLock {
            if underrunsAtStart == nil { underrunsAtStart = jack.underrunEvents }
            underrunsAtFinish = nil
        }
        var offset = 0
        while offset < samples.count {
            // Not running: the server shut down, or a reconnect failed and left no client.
            if !jack.isRunning {
                try waitForServer()
                continue
            }
            let written = ring.write(samples[offset...])
            offset += written
            if offset < samples.count { Thread.sleep(forTimeInterval: 0.005) }
        }
    }

    /// Waits until everything written has been played (or the server stopped; with
    /// `waitsForReconnection`, until it is back and has played the rest).
    public func finish() throws {
        lock.withLock { if underrunsAtFinish == nil { underrunsAtFinish = jack.underrunEvents } }
        while true {
            if !jack.isRunning { try waitForServer() }
            let queuedSeconds = Double(ring.availableToRead) / Double(max(1, sampleRate))
            if jack.waitUntilDrained(timeout: .milliseconds(Int((queuedSeconds + 2) * 1000))) { return }
            if jack.isRunning { return }  // timed out while running: the ring is as empty as it gets
        }
    }

    /// Throws when the server is gone, unless `waitsForReconnection`: then sleeps briefly so the
    /// owner's reconnector can bring it back.
    private func waitForServer() throws {
        guard waitsForReconnection else {
            throw JackAudioSinkError.serverStopped(jack.shutdownMessage ?? "the JACK client is not running")
        }
        Thread.sleep(forTimeInterval: 0.1)
    }

    public func cancel() { jack.close() }
}

public enum JackAudioSinkError: Error, Sendable, Equatable, CustomStringConvertible {
    case serverStopped(String)
    public var description: String {
        switch self {
        case let .serverStopped(message): return "JACK output stopped: \(message)"
        }
    }
}
