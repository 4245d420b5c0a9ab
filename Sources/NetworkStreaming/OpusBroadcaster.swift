import Foundation
import Streaming

/// Something that receives the broadcaster's Ogg pages: an HTTP listener, an Icecast source.
///
/// The broadcaster calls these from its own thread while holding its lock: they must not block
/// (queue the page and return).
public protocol PageListener: AnyObject, Sendable {
    /// A short name for log lines (an address, a URL).
    var name: String { get }
    /// Queues a page. Returns false when the listener's queue is full: the broadcaster then drops it.
    func offer(_ page: OggPage) -> Bool
    /// The stream ended: send what is queued, then close.
    func streamEnded()
    /// The listener was dropped (too slow, or the stream was cancelled): close now.
    func dropped(reason: String)
}

/// An `AudioSink` that encodes Ogg Opus and fans the pages out to any number of listeners.
///
/// Encoding runs on the writer's thread (the generation thread, never a realtime audio thread);
/// the writer never waits for a listener. Pages are released to listeners by a pacing thread at
/// real time (or at once, `.immediate`), and while nothing is being written the stream is kept
/// alive with encoded silence, as a radio station is. A listener that joins late is sent the
/// header pages, then live pages from the next page boundary. Each listener owns a bounded
/// queue; one whose queue is full is dropped, counted and logged, and the others are untouched.
///
/// Thread safety: the encoder is guarded by `encoderLock` (the writer and the pacer's silence
/// filler both encode); the pending pages, the listener table, the counters and the state flags
/// by the `state` condition. Listener callbacks run with `state` held and must not block (see
/// `PageListener`). `write`/`finish` come from the generation thread, `add`/`remove` from the
/// HTTP event loop, statistics from anywhere.
public final class OpusBroadcaster: AudioSink, @unchecked Sendable {
    public enum Pacing: Sendable, Equatable {
        /// Release each page when the stream clock reaches its end time minus `lead` seconds.
        case realTime(lead: Double)
        /// Release pages as soon as they are encoded (files, tests).
        case immediate
    }

    public struct Configuration: Sendable {
        public var encoder = OggOpusEncoder.Settings()
        public var pacing = Pacing.realTime(lead: 0.2)
        /// With real-time pacing: encode silence while no audio comes, so the stream never stalls.
        public var fillsSilence = true
        /// Listeners at most (further ones are refused).
        public var maxListeners = 256
        public init() {}
    }

    public struct Counters: Sendable, Equatable {
        public var listeners = 0
        /// Listeners ever added.
        public var listenersServed = 0
        /// Listeners dropped because their queue was full.
        public var droppedListeners = 0
        /// Times the stream ran dry while speaking and silence was inserted.
        public var underruns = 0
        /// Pages released to listeners.
        public var pagesReleased = 0
        /// Seconds of audio encoded (speech and silence).
        public var encodedSeconds: Double = 0
        /// Seconds of audio written by the engine.
        public var writtenSeconds: Double = 0
        /// Wall seconds spent inside the encoder.
        public var encodeSeconds: Double = 0
        /// Seconds the stream clock has run (real-time pacing).
        public var streamSeconds: Double = 0
    }

    public let sampleRate: Int
    public let configuration: Configuration
    private let log: @Sendable (String) -> Void

    private let encoderLock = NSLock()
    private let encoder: OggOpusEncoder
    private var lastWriteWasAudio = false

    private let state = NSCondition()
    private var pending: [(page: OggPage, time: Double)] = []
    private var pendingHead = 0
    private var listeners: [ObjectIdentifier: any PageListener] = [:]
    private var counters = Counters()
    private var speaking = false
    private var finishing = false
    private var ended = false
    private var cancelled = false
    private var releaseAll = false
    private let clockStart = DispatchTime.now().uptimeNanoseconds
    private let pacerDone = DispatchSemaphore(value: 0)
    public let headerPages: [OggPage]

    public init(configuration: Configuration = Configuration(),
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("[stream] " + $0 + "\n").utf8)) }) throws {
        self.configuration = configuration
        self.sampleRate = configuration.encoder.sampleRate
        self.log = log
        encoder = try OggOpusEncoder(settings: configuration.encoder)
        headerPages = encoder.headerPages
        if case .realTime = configuration.pacing {
            let thread = Thread { [self] in pacerLoop() }
            thread.name = "omnibark.opus-pacer"
            thread.qualityOfService = .userInitiated
            thread.start()
        }
    }

    // MARK: Listeners

    /// Adds a listener: it is sent the header pages now and live pages from then on. False when
    /// the stream has ended or the listener limit is reached.
    @discardableResult
    public func add(_ listener: any PageListener) -> Bool {
        state.lock(); defer { state.unlock() }
        guard !ended, !cancelled, listeners.count < configuration.maxListeners else { return false }
        for page in headerPages where !listener.offer(page) { return false }
        listeners[ObjectIdentifier(listener)] = listener
        counters.listenersServed += 1
        return true
    }

    /// Removes a listener that went away by itself (its connection closed).
    public func remove(_ listener: any PageListener) {
        state.lock()
        listeners[ObjectIdentifier(listener)] = nil
        state.unlock()
    }

    public var listenerCount: Int {
        state.lock(); defer { state.unlock() }
        return listeners.count
    }

    public var hasEnded: Bool {
        state.lock(); defer { state.unlock() }
        return ended || cancelled
    }

    public var statistics: Counters {
        state.lock(); defer { state.unlock() }
        var c = counters
        c.listeners = listeners.count
        c.streamSeconds = clockSeconds()
        return c
    }

    /// The engine says whether an utterance is being spoken (silence inserted then is an underrun).
    public func setSpeaking(_ value: Bool) {
        state.lock(); speaking = value; state.unlock()
    }

    /// From now on pages go to listeners as soon as they are encoded instead of at real time, and
    /// no more silence is added: for a quick shutdown, where `finish` must not wait for the queued
    /// audio to play out.
    public func releaseImmediately() {
        state.lock(); releaseAll = true; state.broadcast(); state.unlock()
    }

    // MARK: AudioSink

    public func write(_ samples: [Float]) throws {
        guard !samples.isEmpty else { return }
        state.lock()
        let closed = finishing || ended || cancelled
        state.unlock()
        if closed { throw OpusStreamingError.finished }
        let pages = try encode { encoder in
            lastWriteWasAudio = true
            return try encoder.write(samples)
        }
        state.lock()
        counters.writtenSeconds += Double(samples.count) / Double(sampleRate)
        state.unlock()
        enqueue(pages)
    }

    public func finish() throws {
        state.lock()
        if ended || cancelled { state.unlock(); throw OpusStreamingError.finished }
        state.unlock()
        let last = try encode { try $0.finish() }
        enqueue(last)
        state.lock()
        finishing = true
        state.broadcast()
        state.unlock()
        if case .realTime = configuration.pacing {
            pacerDone.wait()
        } else {
            endStream()
        }
    }

    public func cancel() {
        state.lock()
        guard !cancelled && !ended else { state.unlock(); return }
        cancelled = true
        let all = Array(listeners.values)
        listeners.removeAll()
        state.broadcast()
        state.unlock()
        for listener in all { listener.dropped(reason: "stream cancelled") }
    }

    // MARK: Internals

    private func encode(_ body: (OggOpusEncoder) throws -> [OggPage]) throws -> [(page: OggPage, time: Double)] {
        encoderLock.lock(); defer { encoderLock.unlock() }
        let start = DispatchTime.now().uptimeNanoseconds
        let before = encoder.samplesWritten
        let pages = try body(encoder)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let added = Double(encoder.samplesWritten - before) / Double(sampleRate)
        state.lock()
        counters.encodeSeconds += elapsed
        counters.encodedSeconds += added
        state.unlock()
        return pages.map { ($0, encoder.endTime(of: $0) ?? 0) }
    }

    private func enqueue(_ pages: [(page: OggPage, time: Double)]) {
        guard !pages.isEmpty else { return }
        state.lock()
        if configuration.pacing == .immediate {
            for entry in pages { deliverLocked(entry.page) }
            let dropped = takeDroppedLocked()
            state.unlock()
            notifyDropped(dropped)
        } else {
            pending.append(contentsOf: pages)
            state.unlock()
        }
    }

    private var droppedNow: [(any PageListener, String)] = []

    /// Offers a page to every listener; a listener that refuses it is removed and noted for dropping.
    private func deliverLocked(_ page: OggPage) {
        counters.pagesReleased += 1
        for (id, listener) in listeners where !listener.offer(page) {
            listeners[id] = nil
            counters.droppedListeners += 1
            droppedNow.append((listener, "its queue is full (it reads slower than real time)"))
        }
    }

    private func takeDroppedLocked() -> [(any PageListener, String)] {
        defer { droppedNow.removeAll() }
        return droppedNow
    }

    private func notifyDropped(_ dropped: [(any PageListener, String)]) {
        for (listener, reason) in dropped {
            log("dropped listener \(listener.name): \(reason)")
            listener.dropped(reason: reason)
        }
    }

    private func clockSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - clockStart) / 1e9 }

    private func pacerLoop() {
        defer { pacerDone.signal() }
        guard case let .realTime(lead) = configuration.pacing else { return }
        while true {
            state.lock()
            if cancelled { state.unlock(); return }
            let now = clockSeconds()
            while pendingHead < pending.count && (releaseAll || pending[pendingHead].time <= now + lead) {
                deliverLocked(pending[pendingHead].page)
                pendingHead += 1
            }
            if pendingHead > 256 { pending.removeFirst(pendingHead); pendingHead = 0 }
            let drained = pendingHead == pending.count
            let done = finishing && drained
            let isSpeaking = speaking
            let fill = configuration.fillsSilence && !finishing && !releaseAll
            let dropped = takeDroppedLocked()
            state.unlock()
            notifyDropped(dropped)
            if done { endStream(); return }
            if fill { fillSilence(now: now, lead: lead, speaking: isSpeaking) }
            usleep(5_000)
        }
    }

    /// Keeps the encoded audio a little ahead of the clock with silence.
    private func fillSilence(now: Double, lead: Double, speaking: Bool) {
        var ranDry = false
        let pages = try? encode { encoder in
            let encoded = Double(encoder.samplesWritten) / Double(sampleRate)
            // The encoder holds back its lookahead and a page's worth of audio before a page leaves it.
            let margin = 0.06
            guard encoded < now + lead + margin else { return [] }
            ranDry = lastWriteWasAudio
            lastWriteWasAudio = false
            let count = Int(((now + lead + 2 * margin - encoded) * Double(sampleRate)).rounded(.up))
            return try encoder.writeSilence(count)
        }
        if ranDry && speaking {
            state.lock(); counters.underruns += 1; state.unlock()
        }
        if let pages { enqueue(pages) }
    }

    private func endStream() {
        state.lock()
        if ended || cancelled { state.unlock(); return }
        ended = true
        while pendingHead < pending.count { deliverLocked(pending[pendingHead].page); pendingHead += 1 }
        let all = Array(listeners.values)
        listeners.removeAll()
        let dropped = takeDroppedLocked()
        state.unlock()
        notifyDropped(dropped)
        for listener in all { listener.streamEnded() }
    }
}

extension OpusBroadcaster: PlaybackClock {
    /// Seconds of stream time since the broadcaster started (the real-time pacer's clock: audio
    /// and the silence it inserts).
    public var playedSeconds: Double { statistics.streamSeconds }
}
