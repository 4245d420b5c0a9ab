import Atomics
import CJack

// The input half of the JACK process callback: `control_in` (MIDI), the transport, and
// `reference_in` (audio). Called from `RealtimeSafeJackCallbacks.process` on the realtime thread,
// under the same rules as everything in `JackRealtimeCallbacks.swift`: raw pointers, trivial values
// and atomics only; no allocation, lock, log, wait or ARC traffic. The only calls out are JACK's
// realtime-safe `jack_port_get_buffer`, `jack_midi_get_event_count`, `jack_midi_event_get`,
// `jack_last_frame_time` and `jack_transport_query`, and `memmove` (inside the ring writer).

/// The input side of one client's callback context: ports, realtime writers and the callback's own
/// transport state. A plain struct of raw pointers, trivial optionals and scalars.
///
/// Thread safety: the ports, writers and `client` are set before `jack_activate` and only read
/// afterwards; the transport fields are read and written by the process callback only.
struct RealtimeSafeJackInputs {
    /// `jack_client_t *` (for `jack_last_frame_time` and `jack_transport_query`).
    var client: OpaquePointer
    /// `control_in`, when the sink was opened with `midiInput`.
    var midiPort: OpaquePointer?
    /// Producer view of the sink's control queue (MIDI and transport records), with `midiPort`.
    var midiWriter: UnsafeMIDIRecordQueueWriter?
    /// `reference_in`, when the sink was opened with `referenceInput`.
    var referencePort: OpaquePointer?
    /// Producer view of the sink's reference ring, with `referencePort`.
    var referenceWriter: UnsafeSPSCRingWriter?
    /// Process-thread state: the transport was rolling at the start of the previous cycle.
    var transportRolling: Bool = false
    /// Process-thread state: `lastBar`/`lastBeat` hold the beat reported last while rolling.
    var hasBeat: Bool = false
    var lastBar: Int32 = 0
    var lastBeat: Int32 = 0

    init(client: OpaquePointer, midiPort: OpaquePointer?, midiWriter: UnsafeMIDIRecordQueueWriter?,
         referencePort: OpaquePointer?, referenceWriter: UnsafeSPSCRingWriter?) {
        self.client = client
        self.midiPort = midiPort
        self.midiWriter = midiWriter
        self.referencePort = referencePort
        self.referenceWriter = referenceWriter
    }
}

/// The input steps of the process callback. Never add anything that allocates, locks, logs or
/// touches a Swift object here.
enum RealtimeSafeJackInputCallbacks {
    /// Handles this cycle's inputs. `timelineAtStart` is the output-timeline position at the start
    /// of the cycle (delivered + underrun frames before it); `timelineRunning` says whether the
    /// timeline advances during this cycle (audio has started, at the latest at offset 0 of this one).
    @inline(__always)
    static func process(frames nframes: jack_nframes_t, context: UnsafeMutablePointer<RealtimeSafeJackContext>,
                        counters: RealtimeSafeJackCounters, timelineAtStart: Int, timelineRunning: Bool) {
        if let writer = context.pointee.inputs.midiWriter {
            let cycleStart = jack_last_frame_time(context.pointee.inputs.client)
            if let port = context.pointee.inputs.midiPort, let buffer = jack_port_get_buffer(port, nframes) {
                copyMIDI(buffer: buffer, writer: writer, counters: counters, cycleStart: cycleStart,
                         timelineAtStart: timelineAtStart, timelineRunning: timelineRunning)
            }
            queryTransport(context: context, writer: writer, counters: counters, cycleStart: cycleStart,
                           timelineAtStart: timelineAtStart)
        }
        if let writer = context.pointee.inputs.referenceWriter, let port = context.pointee.inputs.referencePort,
           let raw = jack_port_get_buffer(port, nframes) {
            let frames = Int(nframes)
            let wrote = writer.write(from: UnsafePointer(raw.assumingMemoryBound(to: Float.self)), count: frames)
            counters.referenceFrames.wrappingIncrement(by: wrote, ordering: .relaxed)
            if wrote < frames {
                counters.referenceOverflow.wrappingIncrement(by: frames &- wrote, ordering: .relaxed)
            }
        }
    }

    /// Copies every event of `control_in` of 1…3 bytes into the queue; longer ones (SysEx) and
    /// events that do not fit are only counted.
    @inline(__always)
    static func copyMIDI(buffer: UnsafeMutableRawPointer, writer: UnsafeMIDIRecordQueueWriter,
                         counters: RealtimeSafeJackCounters, cycleStart: jack_nframes_t,
                         timelineAtStart: Int, timelineRunning: Bool) {
        let count = jack_midi_get_event_count(buffer)
        var event = jack_midi_event_t()
        var queued = 0
        var sysex = 0
        var overflow = 0
        var index: UInt32 = 0
        while index < count {
            if jack_midi_event_get(&event, buffer, index) == 0, event.size > 0, let data = event.buffer {
                let size = event.size
                if size > 3 {
                    sysex &+= 1
                } else {
                    let offset = Int(event.time)
                    let record = JackMIDIRecord(
                        kind: .midi, frameTime: cycleStart &+ event.time,
                        outputFrame: timelineRunning ? timelineAtStart &+ offset : timelineAtStart,
                        length: UInt8(truncatingIfNeeded: size), byte0: data[0],
                        byte1: size > 1 ? data[1] : 0, byte2: size > 2 ? data[2] : 0)
                    if writer.push(record) { queued &+= 1 } else { overflow &+= 1 }
                }
            }
            index &+= 1
        }
        if queued > 0 { counters.midiEvents.wrappingIncrement(by: queued, ordering: .relaxed) }
        if sysex > 0 { counters.sysexDropped.wrappingIncrement(by: sysex, ordering: .relaxed) }
        if overflow > 0 { counters.midiOverflow.wrappingIncrement(by: overflow, ordering: .relaxed) }
    }

    /// Once per cycle: records rolling/stopped changes, and each new beat while rolling with
    /// valid bar/beat/tick (the first beat seen after the transport starts rolling included).
    @inline(__always)
    static func queryTransport(context: UnsafeMutablePointer<RealtimeSafeJackContext>, writer: UnsafeMIDIRecordQueueWriter,
                               counters: RealtimeSafeJackCounters, cycleStart: jack_nframes_t, timelineAtStart: Int) {
        var position = jack_position_t()
        let state = jack_transport_query(context.pointee.inputs.client, &position)
        let rolling = state == JackTransportRolling
        var overflow = 0
        if rolling != context.pointee.inputs.transportRolling {
            context.pointee.inputs.transportRolling = rolling
            context.pointee.inputs.hasBeat = false
            let record = JackMIDIRecord(kind: rolling ? .transportRolling : .transportStopped, frameTime: cycleStart,
                                        outputFrame: timelineAtStart, transportFrame: position.frame)
            if !writer.push(record) { overflow &+= 1 }
        }
        if rolling && position.valid.rawValue & JackPositionBBT.rawValue != 0 {
            let bar = position.bar
            let beat = position.beat
            if !context.pointee.inputs.hasBeat || bar != context.pointee.inputs.lastBar || beat != context.pointee.inputs.lastBeat {
                context.pointee.inputs.hasBeat = true
                context.pointee.inputs.lastBar = bar
                context.pointee.inputs.lastBeat = beat
                let record = JackMIDIRecord(kind: .transportBeat, frameTime: cycleStart, outputFrame: timelineAtStart,
                                            bar: bar, beat: beat, transportFrame: position.frame)
                if writer.push(record) {
                    counters.transportBeats.wrappingIncrement(ordering: .relaxed)
                } else {
                    overflow &+= 1
                }
            }
        }
        if overflow > 0 { counters.midiOverflow.wrappingIncrement(by: overflow, ordering: .relaxed) }
    }
}
