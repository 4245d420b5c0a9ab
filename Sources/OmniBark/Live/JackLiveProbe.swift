import Atomics
import CJack
import Foundation

/// What the probe's process callback touches: raw pointers, atomics and plain values only (a
/// POD: reading `pointee` makes no ARC traffic). Fields marked "callback" are written only by
/// the process callback.
private struct JackLiveProbeContext {
    var client: OpaquePointer
    var midiPort: OpaquePointer
    var tonePort: OpaquePointer
    /// Preallocated message bytes: [0] start 0xFA, [1] clock 0xF8, [2] stop 0xFC,
    /// [3...5] note-on, [6...8] note-off (the callback fills in the note number).
    var bytes: UnsafeMutablePointer<UInt8>
    /// Note-ons asked for by `triggerNote` (a count).
    var requestedNotes: UnsafeAtomic<Int>
    /// 1 while the MIDI clock should run (set by `setClockRunning`).
    var clockWanted: UnsafeAtomic<Int>
    /// Events `jack_midi_event_write` refused.
    var writeFailures: UnsafeAtomic<Int>
    /// Callback: note-ons written so far.
    var notesSent: Int
    /// Callback: the last note-on still needs its note-off.
    var noteOffPending: Bool
    /// Callback: whether the clock runs, and the absolute frame time of its next tick.
    var clockRunning: Bool
    var nextClockFrame: UInt32
    var framesPerClock: UInt32
    var baseNote: UInt8
    var noteCount: Int
    /// Callback: tone phase (radians) and its increment per frame.
    var phase: Float
    var phaseStep: Float
    var amplitude: Float
}

/// A small JACK client that plays the live inputs a performer would: a MIDI output port
/// `midi_out` (note-ons on request, and a running MIDI clock at a fixed tempo, 24 ticks per
/// quarter note, started with 0xFA and stopped with 0xFC) and an audio output port `tone_out`
/// (a steady sine). `omnibark bench --events --reference` connects them to the engine's
/// `control_in` and `reference_in`.
///
/// Note `k` (0-based) is `baseNote + k % noteCount`, a velocity-100 note-on written at the start
/// of the cycle after `triggerNote`, with its note-off one cycle later.
///
/// Realtime rules: the process callback writes only into JACK's buffers from the preallocated
/// context (no allocation, no lock, no ARC traffic; the rules of `JackRealtimeCallbacks.swift`).
///
/// Thread safety: `triggerNote`, `setClockRunning` and `writeFailures` may be called from any
/// thread (atomics); `connect`, `processThreadID` and `close` from one thread at a time; the process callback owns
/// the fields marked "callback" in its context.
public final class JackLiveProbe: @unchecked Sendable {
    /// Why the probe could not open or connect; names the server or the ports.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Full port names, e.g. `omnibark-probe:midi_out` and `omnibark-probe:tone_out`.
    public let midiPortName: String
    public let tonePortName: String
    /// The server's rate, Hz.
    public let sampleRate: Int
    private var client: OpaquePointer?
    private let context: UnsafeMutablePointer<JackLiveProbeContext>

    /// Opens and activates the client on `server` (never starting one).
    ///
    /// - Parameters:
    ///   - beatsPerMinute: the MIDI clock's tempo (60: one beat per second), > 0.
    ///   - toneHz: the sine's frequency; `toneAmplitude` its peak (0…1).
    ///   - baseNote, noteCount: the notes `triggerNote` cycles through (36…43 by default, the
    ///     `daw` preset's SFX slots 0…7).
    public init(server: String?, clientName: String = "omnibark-probe", beatsPerMinute: Double = 60,
                toneHz: Double = 220, toneAmplitude: Float = 0.25, baseNote: UInt8 = 36, noteCount: Int = 8) throws {
        guard beatsPerMinute > 0, beatsPerMinute.isFinite else {
            throw Failure(description: "JACK probe: the clock tempo must be a positive number of beats per minute, got \(beatsPerMinute)")
        }
        var status = jack_status_t(rawValue: 0)
        guard let client = omnibark_jack_client_open_server(clientName, JackNoStartServer, &status, server) else {
            throw Failure(description: "JACK probe: cannot open client '\(clientName)' on server '\(server ?? "default")' (status 0x\(String(status.rawValue, radix: 16)))")
        }
        guard let midi = jack_port_register(client, "midi_out", omnibark_jack_default_midi_type(), UInt(JackPortIsOutput.rawValue), 0),
              let tone = jack_port_register(client, "tone_out", omnibark_jack_default_audio_type(), UInt(JackPortIsOutput.rawValue), 0) else {
            jack_client_close(client)
            throw Failure(description: "JACK probe: cannot register midi_out and tone_out on server '\(server ?? "default")'")
        }
        midiPortName = String(cString: jack_port_name(midi))
        tonePortName = String(cString: jack_port_name(tone))
        let rate = Int(jack_get_sample_rate(client))
        sampleRate = rate
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 9)
        bytes.initialize(from: [0xFA, 0xF8, 0xFC, 0x90, baseNote, 100, 0x80, baseNote, 0], count: 9)
        context = .allocate(capacity: 1)
        context.initialize(to: JackLiveProbeContext(
            client: client, midiPort: midi, tonePort: tone, bytes: bytes, requestedNotes: .create(0), clockWanted: .create(0),
            writeFailures: .create(0), notesSent: 0, noteOffPending: false, clockRunning: false, nextClockFrame: 0,
            framesPerClock: UInt32(max(1, (Double(rate) * 60 / beatsPerMinute / 24).rounded())),
            baseNote: baseNote, noteCount: max(1, noteCount), phase: 0,
            phaseStep: Float(2 * Double.pi * toneHz / Double(max(1, rate))), amplitude: min(1, max(0, toneAmplitude))))
        jack_set_process_callback(client, { frames, arg in JackLiveProbe.process(frames: frames, arg: arg) },
                                  UnsafeMutableRawPointer(context))
        guard jack_activate(client) == 0 else {
            jack_client_close(client)  // every property is set: deinit frees the context
            throw Failure(description: "JACK probe: cannot activate client '\(clientName)' on server '\(server ?? "default")'")
        }
        self.client = client
    }

    deinit {
        close()  // no callback runs after jack_client_close returns
        Self.free(context)
    }

    private static func free(_ context: UnsafeMutablePointer<JackLiveProbeContext>) {
        let c = context.pointee
        for atomic in [c.requestedNotes, c.clockWanted, c.writeFailures] { atomic.destroy() }
        c.bytes.deallocate()
        context.deinitialize(count: 1)
        context.deallocate()
    }

    /// Connects `source` (one of this probe's ports) to `destination`, e.g.
    /// `connect(midiPortName, to: "omnibark:control_in")`.
    public func connect(_ source: String, to destination: String) throws {
        guard let client else { throw Failure(description: "JACK probe: closed, cannot connect \(source) → \(destination)") }
        let code = jack_connect(client, source, destination)
        guard code == 0 else { throw Failure(description: "JACK probe: jack_connect \(source) → \(destination) returned \(code)") }
    }

    /// Asks for one note-on in the next cycle (any thread).
    public func triggerNote() {
        context.pointee.requestedNotes.wrappingIncrement(ordering: .releasing)
    }

    /// Starts (0xFA, then clock ticks from that cycle on) or stops (0xFC) the MIDI clock.
    public func setClockRunning(_ running: Bool) {
        context.pointee.clockWanted.store(running ? 1 : 0, ordering: .releasing)
    }

    /// The client's process thread (for the realtime allocation test); nil once closed.
    public var processThreadID: pthread_t? { client.map { jack_client_thread_id($0) } }

    /// MIDI events that `jack_midi_event_write` refused so far.
    public var writeFailures: Int { context.pointee.writeFailures.load(ordering: .relaxed) }

    /// Deactivates and closes the client (idempotent); no callback runs afterwards.
    public func close() {
        guard let client else { return }
        jack_client_close(client)
        self.client = nil
    }

    // MARK: Realtime

    private static func process(frames: jack_nframes_t, arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        let c = arg.assumingMemoryBound(to: JackLiveProbeContext.self)
        if let raw = jack_port_get_buffer(c.pointee.tonePort, frames) {
            let out = raw.assumingMemoryBound(to: Float.self)
            var phase = c.pointee.phase
            let step = c.pointee.phaseStep, amplitude = c.pointee.amplitude
            for i in 0..<Int(frames) {
                out[i] = amplitude * sinf(phase)
                phase += step
                if phase > 2 * Float.pi { phase -= 2 * Float.pi }
            }
            c.pointee.phase = phase
        }
        guard let buffer = jack_port_get_buffer(c.pointee.midiPort, frames) else { return 0 }
        jack_midi_clear_buffer(buffer)  // required every cycle for an output port
        let bytes = c.pointee.bytes
        var failures = 0
        // Offsets must not decrease: everything at 0 first, then the clock ticks.
        if c.pointee.noteOffPending {
            failures += write(buffer, offset: 0, bytes + 6, 3)
            c.pointee.noteOffPending = false
        }
        let wantClock = c.pointee.clockWanted.load(ordering: .acquiring) == 1
        let now = jack_last_frame_time(c.pointee.client)
        if wantClock && !c.pointee.clockRunning {
            failures += write(buffer, offset: 0, bytes, 1)
            c.pointee.clockRunning = true
            c.pointee.nextClockFrame = now
        } else if !wantClock && c.pointee.clockRunning {
            failures += write(buffer, offset: 0, bytes + 2, 1)
            c.pointee.clockRunning = false
        }
        if c.pointee.notesSent < c.pointee.requestedNotes.load(ordering: .acquiring) {
            let note = c.pointee.baseNote &+ UInt8(truncatingIfNeeded: c.pointee.notesSent % c.pointee.noteCount)
            bytes[4] = note
            bytes[7] = note
            failures += write(buffer, offset: 0, bytes + 3, 3)
            c.pointee.notesSent += 1
            c.pointee.noteOffPending = true
        }
        if c.pointee.clockRunning {
            while true {
                let ahead = Int32(bitPattern: c.pointee.nextClockFrame &- now)
                guard ahead < Int32(truncatingIfNeeded: frames) else { break }
                failures += write(buffer, offset: UInt32(max(0, ahead)), bytes + 1, 1)
                c.pointee.nextClockFrame &+= c.pointee.framesPerClock
            }
        }
        if failures > 0 { c.pointee.writeFailures.wrappingIncrement(by: failures, ordering: .relaxed) }
        return 0
    }

    /// Writes one event; 1 when JACK refused it.
    @inline(__always)
    private static func write(_ buffer: UnsafeMutableRawPointer, offset: UInt32, _ data: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        jack_midi_event_write(buffer, offset, data, count) == 0 ? 0 : 1
    }
}
