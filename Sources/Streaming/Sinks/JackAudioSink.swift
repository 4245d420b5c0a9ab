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
    private var underrunsAtStart: Int?
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

    /// Underrun events since the first sample was written (silence while audio was due).
    public var underruns: Int { underrunsAtStart.map { jack.underrunEvents - $0 } ?? 0 }

    public func write(_ samples: [Float]) throws {
        if underrunsAtStart == nil { underrunsAtStart = jack.underrunEvents }
        var offset = 0
        while offset < samples.count {
            if jack.isShutDown {
                guard waitsForReconnection else { throw JackAudioSinkError.serverStopped(jack.shutdownMessage ?? "the JACK server shut down") }
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            let written = ring.write(samples[offset...])
            offset += written
            if offset < samples.count { Thread.sleep(forTimeInterval: 0.005) }
        }
    }

    /// Waits until everything written has been played (or the server stopped).
    public func finish() throws {
        let queuedSeconds = Double(ring.availableToRead) / Double(max(1, sampleRate))
        if !jack.waitUntilDrained(timeout: .milliseconds(Int((queuedSeconds + 2) * 1000))) && jack.isShutDown {
            throw JackAudioSinkError.serverStopped(jack.shutdownMessage ?? "the JACK server shut down")
        }
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
