import Foundation
import LiveControl
import Streaming

/// Carries JACK MIDI input (`omnibark:control_in`) into the engine's live-event inbox: a thread
/// drains the sink's lock-free MIDI queue every 2 ms (the realtime side only copies bytes),
/// decodes the messages, maps them (`MIDIEventMapping`) and posts the events, stamped with the
/// output-timeline position at which they arrived (converted from JACK frames to the engine
/// rate). Malformed input (running-status garbage, truncated messages, SysEx, a full queue) is
/// counted and reported once per kind through the inbox.
///
/// Thread safety: `start` and `stop` are called by the owner's thread (they create the polling
/// thread once); the decoder and mapping are used by the polling thread only (or by a test that
/// calls `pump` while it is stopped); the counters it reads are atomics.
public final class JackMIDIBridge: @unchecked Sendable {
    public let jack: JackSink
    public let inbox: LiveEventInbox
    public let engineRate: Int
    private var poller: PollingThread?
    private var mapping: MIDIEventMapping
    private var decoder = MIDIMessageDecoder()
    private var reportedMalformed: [String: Int] = [:]
    private var reportedSysex = 0
    private var reportedOverflow = 0

    public init(jack: JackSink, map: EnginePreset.MIDIMap, inbox: LiveEventInbox, engineRate: Int = 24_000) {
        self.jack = jack
        self.inbox = inbox
        self.engineRate = engineRate
        mapping = MIDIEventMapping(map: map)
    }

    /// Starts draining every 2 ms (idempotent).
    public func start() {
        if poller == nil { poller = PollingThread(name: "omnibark.midi", interval: 0.002, qualityOfService: .userInteractive) { [self] in pump() } }
        poller?.start()
    }

    /// Stops the thread after one last drain (idempotent).
    public func stop() { poller?.stop() }

    /// Drains what arrived since the last call (also usable from a test, while stopped).
    func pump() {
        let rate = Double(max(1, jack.sampleRate))
        var posted: [LiveEvent] = []
        jack.drainMIDI { record in
            let received = Int64((Double(record.outputFrame) / rate * Double(engineRate)).rounded())
            for timed in decoder.decodeTimed(record: record) {
                guard let action = mapping.action(for: timed.message, outputFrame: timed.outputFrame) else { continue }
                posted.append(LiveEvent(source: .midi, action: action, receivedSample: received))
            }
        }
        for event in posted { inbox.post(event) }
        for (kind, count) in decoder.malformedKinds.sorted(by: { $0.key < $1.key }) {
            let already = reportedMalformed[kind] ?? 0
            for _ in already..<count { inbox.reportMalformed(source: .midi, kind: kind, detail: "JACK MIDI input \(jack.midiInputPortName ?? "control_in")") }
            reportedMalformed[kind] = count
        }
        let sysex = jack.sysexDropped
        for _ in reportedSysex..<max(reportedSysex, sysex) { inbox.reportMalformed(source: .midi, kind: "sysex", detail: "SysEx messages are not read") }
        reportedSysex = max(reportedSysex, sysex)
        let overflow = jack.midiOverflow
        for _ in reportedOverflow..<max(reportedOverflow, overflow) {
            inbox.reportMalformed(source: .midi, kind: "queue full", detail: "more MIDI than the realtime queue holds between drains")
        }
        reportedOverflow = max(reportedOverflow, overflow)
    }
}
