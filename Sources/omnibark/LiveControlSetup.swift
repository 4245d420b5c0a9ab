import ArgumentParser
import Foundation
import LiveControl
import OmniBark
import Streaming

/// The live-control side of `live` and `serve`: the event inbox, the OSC server, the JACK MIDI
/// bridge and the live reference window, opened from the flags and the preset, and stopped
/// together.
///
/// Thread safety: built and stopped on the main thread; the engine clock box is set once, before
/// any source starts, and read by the OSC and HTTP threads.
final class LiveControlSetup: @unchecked Sendable {
    let inbox: LiveEventInbox?
    private(set) var osc: OSCControlServer?
    private(set) var midi: JackMIDIBridge?
    private(set) var reference: LiveReferenceWindow?
    private let clock = EngineClock()

    /// Output position for events that arrive before the engine exists (none should: sources
    /// start after `attach`).
    ///
    /// Thread safety: `engine` is set by `attach` on the command's thread and read by the OSC, MIDI
    /// and HTTP control sources on theirs; a lock guards it.
    final class EngineClock: @unchecked Sendable {
        private let lock = NSLock()
        private var engine: StreamingEngine?
        func attach(_ engine: StreamingEngine) { lock.withLock { self.engine = engine } }
        var position: Int64 { lock.withLock { engine }?.outputPosition ?? 0 }
    }

    /// `alwaysInbox`: serve takes `POST /control` whatever the flags.
    init(options: LiveControlOptions, preset: EnginePreset?, alwaysInbox: Bool, log: @escaping @Sendable (String) -> Void) throws {
        inbox = alwaysInbox || options.wantsInbox(preset: preset) ? try options.makeInbox(log: log) : nil
    }

    /// Opens the sources once the engine exists: OSC (flag or preset), MIDI from `jack` (with
    /// --midi-in), and the reference window (with --reference-in).
    func start(engine: StreamingEngine, options: LiveControlOptions, preset: EnginePreset?, jack: JackSink?,
               model: OmniModel, log: @escaping @Sendable (String) -> Void) throws {
        clock.attach(engine)
        guard let inbox else { return }
        if let port = options.oscPort(preset: preset) {
            let host = options.oscHost ?? preset?.osc.host ?? "127.0.0.1"
            let server = try OSCControlServer(port: port, host: host, inbox: inbox, playedSamples: { [clock] in clock.position })
            osc = server
            log("listening for OSC on udp://\(host):\(server.port) (/omnibark/say, /beat, /sfx, /phoneme, /style, /weight/<modality>)")
        }
        if options.midiIn, let jack {
            let bridge = JackMIDIBridge(jack: jack, map: preset?.midi ?? MIDIEventMapping.dawMap, inbox: inbox,
                                        engineRate: model.speech.sampleRate)
            bridge.start()
            midi = bridge
            log("reading MIDI from \(jack.midiInputPortName ?? "control_in")")
        }
    }

    /// The reference window for the engine configuration (before the engine is made).
    func makeReference(options: LiveControlOptions, preset: EnginePreset?, jack: JackSink?, model: OmniModel,
                       log: @escaping @Sendable (String) -> Void) -> LiveReferenceWindow? {
        guard options.referenceIn, let jack, let ring = jack.referenceRing else { return nil }
        let window = LiveReferenceWindow(ring: ring, inputRate: jack.sampleRate,
                                         windowSeconds: options.referenceSeconds ?? preset?.reference.window ?? 8,
                                         codec: model.speech.codec)
        window.start()
        reference = window
        log("keeping the last \(String(format: "%.1f", window.windowSeconds)) s of \(jack.referenceInputPortName ?? "reference_in") as live reference audio")
        return window
    }

    func stop() {
        osc?.stop()
        midi?.stop()
        reference?.stop()
    }

    /// `events …, reference …` for --stats.
    func statusLine() -> String {
        var parts: [String] = []
        if let inbox {
            let c = inbox.counters
            parts.append("events received \(c.received), applied \(c.applied), dropped \(c.dropped), malformed \(c.malformed)")
        }
        if let reference {
            let f = reference.figures
            parts.append(String(format: "reference %.1f s held, refreshed %@", f.secondsHeld,
                                f.sinceRefresh.map { String(format: "%.1f s ago", $0) } ?? "never"))
        }
        return parts.joined(separator: "; ")
    }
}
