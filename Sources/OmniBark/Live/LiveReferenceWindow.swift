import Encodec
import Foundation
import Modalities
import Streaming
import Tensors

/// Live reference audio from JACK (`omnibark:reference_in`): keeps the last `windowSeconds` of
/// what is played into the port and, whenever at least `refreshSeconds` of new sound arrived,
/// resamples the window to 24 kHz and encodes it with the EnCodec encoder, on its own thread
/// (never the audio thread, never the generation thread). The engine takes the latest encoding
/// at each utterance start (and between chunks when the preset says `refresh: chunk`).
///
/// Silence does not count: a window quieter than −60 dBFS RMS is not offered as a reference.
///
/// The encoder's thread shares the machine with generation, so it may use at most
/// `maximumCoreShare` of one core: after an encoding that took E seconds, the next one waits for
/// at least E / `maximumCoreShare` seconds of new sound (and never less than `refreshSeconds`).
/// On bark-small's encoder an 8 s window takes about 1.45 s on this project's 2-core machines: with
/// a 1 s refresh it encoded without pause and took a whole core from generation.
///
/// Thread safety: the window thread owns the samples and the last encoding's duration; the latest
/// encoding and the figures are guarded by a lock and may be read from any thread; `start`/`stop`
/// from any thread.
public final class LiveReferenceWindow: @unchecked Sendable {
    /// One encoding of the window.
    public struct Snapshot: Sendable {
        /// Mono 24 kHz samples of the window.
        public let samples: [Float]
        /// EnCodec encoder output `[frames, hidden]` (75 Hz).
        public let features: Tensor
        /// Increases with every new encoding.
        public let version: Int
        /// When it was made (`DispatchTime` nanoseconds).
        public let encodedAt: UInt64
        /// Seconds the encoding took.
        public let encodeSeconds: Double
    }

    public let ring: SPSCRingBuffer
    public let inputRate: Int
    public let windowSeconds: Double
    public let refreshSeconds: Double
    /// Largest share of one core the encoder may take (0 < share ≤ 1).
    public let maximumCoreShare: Double
    private let codec: EncodecModel
    private var lastEncodeSeconds: Double = 0
    private let lock = NSLock()
    private var latest: Snapshot?
    private var window: [Float] = []
    private var heldSamples = 0
    private var newSamples = 0
    private var encodings = 0
    private var encodeTotal: Double = 0
    private var poller: PollingThread?
    /// Seconds of audio encoded, all encodings together (a window is shorter than
    /// `windowSeconds` until that much has arrived).
    private var encodedAudioSeconds: Double = 0

    /// - Parameters:
    ///   - ring: the JACK sink's `referenceRing` (this window is its only reader).
    ///   - inputRate: the JACK server's rate.
    ///   - windowSeconds: seconds kept (the preset's `reference.window_s`), 0.5…60.
    ///   - refreshSeconds: new sound needed before the window is encoded again, at least.
    ///   - maximumCoreShare: the encoder's largest share of one core (default 0.25; see above).
    public init(ring: SPSCRingBuffer, inputRate: Int, windowSeconds: Double, refreshSeconds: Double = 1,
                maximumCoreShare: Double = 0.25, codec: EncodecModel) {
        self.ring = ring
        self.inputRate = max(1, inputRate)
        self.windowSeconds = min(ModalityBundle.maxReferenceSeconds, max(0.5, windowSeconds))
        self.refreshSeconds = max(0.05, refreshSeconds)
        self.maximumCoreShare = min(1, max(0.01, maximumCoreShare))
        self.codec = codec
    }

    /// Seconds of new sound the next encoding waits for: `refreshSeconds`, or longer when the last
    /// encoding took `lastEncodeSeconds` and a refresh every `refreshSeconds` would give the encoder
    /// more than `share` of a core.
    public static func secondsBetweenRefreshes(refreshSeconds: Double, lastEncodeSeconds: Double, share: Double) -> Double {
        max(refreshSeconds, lastEncodeSeconds / share)
    }

    /// The latest encoding, or nil before one exists (or while only silence arrived).
    public var snapshot: Snapshot? { lock.withLock { latest } }

    /// Seconds of sound held, time since the last refresh (nil before one), encodings so far
    /// and seconds of encoder time per second of audio encoded.
    public var figures: (secondsHeld: Double, sinceRefresh: Double?, encodings: Int, encoderCostPerSecond: Double) {
        lock.withLock {
            let held = Double(heldSamples) / Double(inputRate)
            let since = latest.map { Double(DispatchTime.now().uptimeNanoseconds - $0.encodedAt) / 1e9 }
            return (held, since, encodings, encodedAudioSeconds > 0 ? encodeTotal / encodedAudioSeconds : 0)
        }
    }

    /// Encoder totals so far: encodings (refreshes), seconds spent encoding, and seconds of
    /// (24 kHz) audio encoded. Any thread.
    public var encoderTotals: (encodings: Int, encodeSeconds: Double, audioSeconds: Double) {
        lock.withLock { (encodings, encodeTotal, encodedAudioSeconds) }
    }

    /// Starts reading the ring every 50 ms (idempotent; call from the owner's thread).
    public func start() {
        if poller == nil {
            poller = PollingThread(name: "omnibark.reference", interval: 0.05, qualityOfService: .utility) { [self] in _ = pump() }
        }
        poller?.start()
    }

    /// Stops the thread (idempotent).
    public func stop() { poller?.stop() }

    /// Reads what arrived and encodes when enough new sound is there (also callable from tests
    /// while stopped). Returns true when it made a new encoding.
    @discardableResult
    func pump() -> Bool {
        let arrived = ring.read(maxCount: ring.availableToRead)
        guard !arrived.isEmpty else { return false }
        let keep = Int(windowSeconds * Double(inputRate))
        window += arrived
        if window.count > keep { window.removeFirst(window.count - keep) }
        let held = window.count
        lock.withLock { heldSamples = held }
        newSamples += arrived.count
        let needed = Self.secondsBetweenRefreshes(refreshSeconds: refreshSeconds, lastEncodeSeconds: lastEncodeSeconds,
                                                  share: maximumCoreShare)
        guard Double(newSamples) / Double(inputRate) >= needed else { return false }
        newSamples = 0
        let energy = window.reduce(0) { $0 + Double($1 * $1) } / Double(max(1, window.count))
        guard energy > 1e-6 else { return false }  // −60 dBFS RMS: silence is no reference
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let samples = try ModalityBundle.normalizeReferenceAudio(window, sampleRate: inputRate, channels: 1, source: "reference_in")
            let features = try codec.encoderEmbeddings(audio: samples)
            let end = DispatchTime.now().uptimeNanoseconds
            lastEncodeSeconds = Double(end - start) / 1e9
            lock.withLock {
                encodings += 1
                encodeTotal += Double(end - start) / 1e9
                encodedAudioSeconds += Double(samples.count) / Double(ModalityBundle.sampleRate)
                latest = Snapshot(samples: samples, features: features, version: encodings, encodedAt: end,
                                  encodeSeconds: Double(end - start) / 1e9)
            }
            return true
        } catch {
            return false
        }
    }
}
