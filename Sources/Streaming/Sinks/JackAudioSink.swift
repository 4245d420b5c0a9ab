import Foundation

/// The JACK output as an `AudioSink`: `write` (generation thread) puts samples into the lock-free
/// ring buffer, waiting while `bufferSeconds` of audio are already queued; the JACK process
/// callback (`JackSink`) plays from it. The realtime side never waits for this one.
///
/// `sampleRate` is the server's rate: a caller at another rate goes through
/// `ResamplingSink.adapt` (the engine does).
///
/// Underruns are counted only while audio was due: from the first `write` of an utterance until
/// its `endOfUtterance` (the ring running dry after that is the utterance's natural end, and
/// silence while idle is no gap), and never after `finish` began.
///
/// Thread safety: `write`, `endOfUtterance`, `finish` and `cancel` are called by one thread at a
/// time (the engine's generation thread); the counters and `playedSeconds` may be read from any
/// thread (a lock guards the bookkeeping).
public final class JackAudioSink: AudioSink, PlaybackClock, @unchecked Sendable {
    public let jack: JackSink
    public let ring: SPSCRingBuffer
    /// Seconds of audio that may be queued ahead of playback.
    public let bufferSeconds: Double
    private let lock = NSLock()
    /// Underrun events when the first sample was written, and when `finish` began.
    private var underrunsAtStart: Int?
    private var underrunsAtFinish: Int?
    /// Underrun events counted while idle (between an utterance's end and the next write).
    private var idleUnderruns = 0
    /// Underrun events when the current idle span began; nil while audio is due.
    private var idleSince: Int?
    /// When the server has gone away: wait for someone to `jack.reconnect()` (true) or fail the
    /// write (false, the default).
    public var waitsForReconnection = false

    /// The ring is allocated for the highest rate JACK commonly runs at, so that `bufferSeconds`
    /// hold at any server rate; `write` keeps at most `bufferSeconds` at the server's rate queued.
    static let largestServerRate = 192_000

    /// Opens the JACK client. `bufferSeconds` of audio can be queued ahead of playback.
    public init(configuration: JackSink.Configuration, bufferSeconds: Double = 4) throws {
        self.bufferSeconds = max(0.1, bufferSeconds)
        ring = SPSCRingBuffer(minimumCapacity: max(4096, Int(self.bufferSeconds * Double(Self.largestServerRate))))
        jack = try JackSink(ring: ring, configuration: configuration)
    }

    /// The JACK server's rate.
    public var sampleRate: Int { jack.sampleRate }

    /// Seconds the client has played since it opened (audio and silence).
    public var playedSeconds: Double {
        Double(jack.deliveredSamples + jack.underrunSamples) / Double(max(1, sampleRate))
    }

    /// Underrun events while audio was due (see the type's documentation). Readable from any
    /// thread.
    public var underruns: Int {
        lock.withLock {
            guard let start = underrunsAtStart else { return 0 }
            let now = underrunsAtFinish ?? jack.underrunEvents
            let idleNow = idleSince.map { max(0, now - $0) } ?? 0
            return max(0, now - start - idleUnderruns - idleNow)
        }
    }

    public func write(_ samples: [Float]) throws {
        lock.withLock {
            let events = jack.underrunEvents
            if underrunsAtStart == nil { underrunsAtStart = events }
            if let since = idleSince { idleUnderruns += max(0, events - since); idleSince = nil }
            underrunsAtFinish = nil
        }
        let limit = max(4096, Int(bufferSeconds * Double(max(1, sampleRate))))
        var offset = 0
        while offset < samples.count {
            // Not running: the server shut down, or a reconnect failed and left no client.
            if !jack.isRunning {
                try waitForServer()
                continue
            }
            let room = max(0, limit - ring.availableToRead)
            let written = room > 0 ? ring.write(samples[offset..<min(samples.count, offset + room)]) : 0
            offset += written
            if offset < samples.count { Thread.sleep(forTimeInterval: 0.005) }
        }
    }

    /// The utterance's audio is all written: the ring running dry from here on is its end, not a
    /// gap.
    public func endOfUtterance() throws {
        lock.withLock { if idleSince == nil, underrunsAtStart != nil { idleSince = jack.underrunEvents } }
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
