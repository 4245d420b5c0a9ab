import Foundation
import LiveControl
import Modalities

/// Steers a running engine the way a performer would, for `omnibark bench --events`: every
/// `interval` seconds one SFX trigger (slots 0…7 in turn) and one beat marker from each source —
/// `api` posts straight into the inbox, `osc` sends `/omnibark/sfx i` and `/omnibark/beat` to
/// the engine's OSC server, `midi` asks the JACK probe for a note-on (the `daw` map turns notes
/// 36…43 into SFX slots 0…7) while the probe's MIDI clock (60 bpm from `start` to `stop`)
/// supplies the beats.
///
/// Thread safety: `start` and `stop` may be called from any thread (a lock guards the state);
/// the sending thread alone uses the OSC sender; the inbox and the probe are thread-safe.
final class LiveBenchmarkEventSender: @unchecked Sendable {
    private let inbox: LiveEventInbox
    private let osc: OSCSender?
    private let probe: JackLiveProbe?
    private let position: @Sendable () -> Int64
    private let interval: Double
    private let lock = NSLock()
    private var running = false
    private var oscFailure: String?
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - position: the output-timeline position now (24 kHz samples), stamped on `api` events.
    ///   - interval: seconds between rounds (> 0).
    init(inbox: LiveEventInbox, osc: OSCSender?, probe: JackLiveProbe?, position: @escaping @Sendable () -> Int64, interval: Double) {
        self.inbox = inbox
        self.osc = osc
        self.probe = probe
        self.position = position
        self.interval = max(0.01, interval)
    }

    /// Starts the MIDI clock and the sending thread; its first round goes out at once.
    func start() {
        let begin: Bool = lock.withLock {
            guard !running else { return false }
            running = true
            return true
        }
        guard begin else { return }
        probe?.setClockRunning(true)
        let thread = Thread { [self] in loop() }
        thread.name = "omnibark.bench-events"
        thread.start()
    }

    /// Stops the thread and the MIDI clock (idempotent). Returns the first OSC send failure, if any.
    @discardableResult
    func stop() -> String? {
        let was: Bool = lock.withLock {
            defer { running = false }
            return running
        }
        if was {
            wake.signal()
            stopped.wait()
        }
        probe?.setClockRunning(false)
        return lock.withLock { oscFailure }
    }

    private func loop() {
        defer { stopped.signal() }
        let begin = DispatchTime.now()
        var round = 0
        while lock.withLock({ running }) {
            send(round: round)
            round += 1
            let next = begin + .nanoseconds(Int(Double(round) * interval * 1e9))
            _ = wake.wait(timeout: next)
        }
    }

    private func send(round: Int) {
        let slot = Double(round % 8)
        let now = position()
        inbox.post(LiveEvent(source: .api, action: .control(.sfxTrigger, .number(slot)), receivedSample: now))
        inbox.post(LiveEvent(source: .api, action: .control(.beatMarker, .number(Double(round))), receivedSample: now))
        if let osc {
            do {
                try osc.send("/omnibark/sfx", [.int32(Int32(round % 8))])
                try osc.send("/omnibark/beat")
            } catch {
                lock.withLock { if oscFailure == nil { oscFailure = error.description } }
            }
        }
        probe?.triggerNote()
    }
}
