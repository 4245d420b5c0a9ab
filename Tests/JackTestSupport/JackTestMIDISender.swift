import Atomics
import CJack
import Foundation

/// What the MIDI sender's process callback touches: raw pointers, atomics and plain values only.
private struct JackTestMIDISenderContext {
    var client: OpaquePointer
    var port: OpaquePointer
    /// Message bytes of the pending batch, back to back.
    var bytes: UnsafeMutablePointer<UInt8>
    var bytesCapacity: Int
    /// Per event of the pending batch: (offset in the cycle, start in `bytes`, length).
    var events: UnsafeMutablePointer<(offset: UInt32, start: Int, length: Int)>
    var eventsCapacity: Int
    /// Events in the pending batch.
    var eventCount: UnsafeAtomic<Int>
    /// 0 idle, 1 a batch is ready (published `.releasing` by the test thread), 2 the callback wrote it.
    var state: UnsafeAtomic<Int>
    /// `jack_last_frame_time` of the cycle that wrote the last batch.
    var cycleStart: UnsafeAtomic<Int>
    /// Events of the last batch that `jack_midi_event_write` refused (buffer full, offset too late).
    var writeFailures: UnsafeAtomic<Int>
    /// Process callbacks run.
    var cycles: UnsafeAtomic<Int>
}

/// A test JACK client with one MIDI output port `midi_out` that emits batches of byte messages
/// (any bytes: valid MIDI, SysEx floods, garbage) at chosen offsets of one cycle, and reports the
/// absolute JACK frame time it used, so a test can check when a receiver saw each event.
///
/// It can also drive the JACK transport (start, stop) and act as timebase master with a fixed
/// tempo, so that rolling transport carries valid bar/beat/tick.
///
/// Thread safety: one test thread drives it (`send` waits for the batch to go out); the process
/// and timebase callbacks use only the preallocated context.
public final class JackTestMIDISender: @unchecked Sendable {
    /// One message to emit: its bytes and its frame offset within the cycle (0 ..< period).
    public struct Event: Sendable {
        public var offset: Int
        public var bytes: [UInt8]
        public init(offset: Int, bytes: [UInt8]) {
            self.offset = offset
            self.bytes = bytes
        }
    }

    /// What one `send` did.
    public struct SentBatch: Sendable {
        /// `jack_last_frame_time` of the cycle the events went out in.
        public var cycleStart: UInt32
        /// Absolute frame time of each event (cycle start + offset), in the order given to `send`.
        public var eventFrames: [UInt32]
        /// Events `jack_midi_event_write` refused (e.g. the port buffer was full).
        public var writeFailures: Int
    }

    public let portName: String
    private var client: OpaquePointer?
    private let context: UnsafeMutablePointer<JackTestMIDISenderContext>
    private let timebase: UnsafeMutablePointer<JackTestTimebase>

    public init(server: String, clientName: String = "midi-sender", bytesCapacity: Int = 1 << 20, eventsCapacity: Int = 1 << 14) throws {
        var status = jack_status_t(rawValue: 0)
        guard let client = omnibark_jack_client_open_server(clientName, JackNoStartServer, &status, server) else {
            throw JackTestServerError(description: "test MIDI sender could not open a client on '\(server)' (status 0x\(String(status.rawValue, radix: 16)))")
        }
        guard let port = jack_port_register(client, "midi_out", omnibark_jack_default_midi_type(), UInt(JackPortIsOutput.rawValue), 0) else {
            jack_client_close(client)
            throw JackTestServerError(description: "test MIDI sender could not register its output port")
        }
        portName = String(cString: jack_port_name(port))
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: bytesCapacity)
        bytes.initialize(repeating: 0, count: bytesCapacity)
        let events = UnsafeMutablePointer<(offset: UInt32, start: Int, length: Int)>.allocate(capacity: eventsCapacity)
        events.initialize(repeating: (0, 0, 0), count: eventsCapacity)
        context = .allocate(capacity: 1)
        context.initialize(to: JackTestMIDISenderContext(
            client: client, port: port, bytes: bytes, bytesCapacity: bytesCapacity, events: events,
            eventsCapacity: eventsCapacity, eventCount: .create(0), state: .create(0), cycleStart: .create(0),
            writeFailures: .create(0), cycles: .create(0)))
        timebase = .allocate(capacity: 1)
        timebase.initialize(to: JackTestTimebase(framesPerBeat: 24_000, beatsPerBar: 4, beatsPerMinute: 120))
        jack_set_process_callback(client, { frames, arg in
            JackTestMIDISender.process(frames: frames, arg: arg)
        }, UnsafeMutableRawPointer(context))
        guard jack_activate(client) == 0 else {
            jack_client_close(client)
            throw JackTestServerError(description: "test MIDI sender could not activate")
        }
        self.client = client
    }

    deinit {
        close()
        let c = context.pointee
        for atomic in [c.eventCount, c.state, c.cycleStart, c.writeFailures, c.cycles] { atomic.destroy() }
        c.bytes.deallocate()
        c.events.deallocate()
        context.deinitialize(count: 1)
        context.deallocate()
        timebase.deinitialize(count: 1)
        timebase.deallocate()
    }

    private static func process(frames: jack_nframes_t, arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        let context = arg.assumingMemoryBound(to: JackTestMIDISenderContext.self)
        guard let buffer = jack_port_get_buffer(context.pointee.port, frames) else { return 0 }
        jack_midi_clear_buffer(buffer)  // required on every cycle for an output port
        context.pointee.cycles.wrappingIncrement(ordering: .relaxed)
        guard context.pointee.state.load(ordering: .acquiring) == 1 else { return 0 }
        let count = context.pointee.eventCount.load(ordering: .relaxed)
        var failures = 0
        for index in 0..<count {
            let event = context.pointee.events[index]
            if jack_midi_event_write(buffer, event.offset, context.pointee.bytes + event.start, event.length) != 0 {
                failures += 1
            }
        }
        context.pointee.writeFailures.store(failures, ordering: .relaxed)
        context.pointee.cycleStart.store(Int(jack_last_frame_time(context.pointee.client)), ordering: .relaxed)
        context.pointee.state.store(2, ordering: .releasing)
        return 0
    }

    /// Process callbacks run so far.
    public var cycles: Int { context.pointee.cycles.load(ordering: .relaxed) }

    /// Emits `events` in one upcoming cycle (each at its offset; offsets must be below the period)
    /// and waits until that cycle has run. Returns the frame times used.
    public func send(_ events: [Event], timeout: Duration = .seconds(5)) throws -> SentBatch {
        guard client != nil else { throw JackTestServerError(description: "MIDI sender closed") }
        let c = context.pointee
        guard events.count <= c.eventsCapacity else {
            throw JackTestServerError(description: "MIDI sender: \(events.count) events exceed the capacity \(c.eventsCapacity)")
        }
        let totalBytes = events.reduce(0) { $0 + $1.bytes.count }
        guard totalBytes <= c.bytesCapacity else {
            throw JackTestServerError(description: "MIDI sender: \(totalBytes) bytes exceed the capacity \(c.bytesCapacity)")
        }
        guard events.allSatisfy({ $0.offset >= 0 && !$0.bytes.isEmpty }) else {
            throw JackTestServerError(description: "MIDI sender: events need an offset >= 0 and at least one byte")
        }
        guard c.state.load(ordering: .acquiring) != 1 else {
            throw JackTestServerError(description: "MIDI sender: the previous batch has not gone out")
        }
        // jack_midi_event_write needs non-decreasing offsets: write in offset order (stable).
        let order = events.indices.sorted { (events[$0].offset, $0) < (events[$1].offset, $1) }
        var start = 0
        for (slot, index) in order.enumerated() {
            let event = events[index]
            event.bytes.withUnsafeBufferPointer { source in
                (c.bytes + start).update(from: source.baseAddress!, count: source.count)
            }
            c.events[slot] = (UInt32(event.offset), start, event.bytes.count)
            start += event.bytes.count
        }
        c.eventCount.store(events.count, ordering: .relaxed)
        c.state.store(1, ordering: .releasing)
        let sent = JackTestRecorder.wait(timeout: timeout) { c.state.load(ordering: .acquiring) == 2 }
        guard sent else { throw JackTestServerError(description: "MIDI sender: no cycle ran within \(timeout)") }
        c.state.store(0, ordering: .relaxed)
        let cycleStart = UInt32(truncatingIfNeeded: c.cycleStart.load(ordering: .relaxed))
        return SentBatch(cycleStart: cycleStart, eventFrames: events.map { cycleStart &+ UInt32($0.offset) },
                         writeFailures: c.writeFailures.load(ordering: .relaxed))
    }

    /// Connects `midi_out` to `destination` (e.g. `omnibark:control_in`).
    public func connect(to destination: String) throws {
        guard let client else { throw JackTestServerError(description: "MIDI sender closed") }
        let code = jack_connect(client, portName, destination)
        guard code == 0 else { throw JackTestServerError(description: "jack_connect \(portName) → \(destination) failed: \(code)") }
    }

    /// Becomes timebase master: rolling transport then carries bar/beat/tick at `beatsPerMinute`
    /// (4/4, 1920 ticks per beat) at `sampleRate`.
    public func becomeTimebaseMaster(beatsPerMinute: Int, sampleRate: Int) throws {
        guard let client else { throw JackTestServerError(description: "MIDI sender closed") }
        guard beatsPerMinute > 0, sampleRate > 0 else {
            throw JackTestServerError(description: "timebase needs a positive tempo and rate, got \(beatsPerMinute) bpm at \(sampleRate) Hz")
        }
        timebase.pointee = JackTestTimebase(framesPerBeat: sampleRate * 60 / beatsPerMinute, beatsPerBar: 4,
                                            beatsPerMinute: Double(beatsPerMinute))
        let code = jack_set_timebase_callback(client, 0, { _, _, position, _, arg in
            guard let position, let arg else { return }
            arg.assumingMemoryBound(to: JackTestTimebase.self).pointee.fill(position)
        }, UnsafeMutableRawPointer(timebase))
        guard code == 0 else { throw JackTestServerError(description: "jack_set_timebase_callback failed: \(code)") }
    }

    /// Starts the transport rolling (from its current position).
    public func startTransport() throws {
        guard let client else { throw JackTestServerError(description: "MIDI sender closed") }
        jack_transport_start(client)
    }

    /// Stops the transport.
    public func stopTransport() throws {
        guard let client else { throw JackTestServerError(description: "MIDI sender closed") }
        jack_transport_stop(client)
    }

    public func close() {
        if let client {
            jack_client_close(client)
            self.client = nil
        }
    }
}

/// A fixed-tempo 4/4 timebase: fills bar/beat/tick from the transport frame.
struct JackTestTimebase {
    var framesPerBeat: Int
    var beatsPerBar: Int
    var beatsPerMinute: Double

    static let ticksPerBeat = 1_920

    func fill(_ position: UnsafeMutablePointer<jack_position_t>) {
        let frame = Int(position.pointee.frame)
        let beats = frame / framesPerBeat
        position.pointee.valid = JackPositionBBT
        position.pointee.bar = Int32(beats / beatsPerBar + 1)
        position.pointee.beat = Int32(beats % beatsPerBar + 1)
        position.pointee.tick = Int32((frame % framesPerBeat) * Self.ticksPerBeat / framesPerBeat)
        position.pointee.bar_start_tick = Double((beats / beatsPerBar) * beatsPerBar * Self.ticksPerBeat)
        position.pointee.beats_per_bar = Float(beatsPerBar)
        position.pointee.beat_type = 4
        position.pointee.ticks_per_beat = Double(Self.ticksPerBeat)
        position.pointee.beats_per_minute = beatsPerMinute
    }
}
