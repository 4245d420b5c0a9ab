import Atomics
import CJack
import Foundation

/// What the recorder's process callback touches: raw pointers, atomics and plain values only.
private struct JackTestRecorderContext {
    var port: OpaquePointer
    var buffer: UnsafeMutablePointer<Float>
    var capacity: Int
    /// Samples recorded so far (stored `.releasing` after the copy).
    var count: UnsafeAtomic<Int>
    /// Frames seen (and dropped) before the first non-zero sample, when triggering.
    var leadingSilence: UnsafeAtomic<Int>
    var triggerOnNonZero: Bool
    var triggered: Bool
}

/// A JACK client written against CJack for the tests: one input port `in`, a process callback
/// that records what arrives into a preallocated buffer until it is full.
///
/// With `triggerOnNonZero`, recording starts at the first non-zero sample (the leading silence is
/// only counted), so that in freewheel mode, where the server runs cycles as fast as it can, the
/// buffer is not filled with the silence played before the test writes its audio.
///
/// Thread safety: `count` and `samples()` may be read from the test thread while recording;
/// `samples()` returns only what the callback has published.
public final class JackTestRecorder: @unchecked Sendable {
    public let portName: String
    private var client: OpaquePointer?
    private let context: UnsafeMutablePointer<JackTestRecorderContext>

    public init(server: String, clientName: String = "recorder", capacity: Int, triggerOnNonZero: Bool) throws {
        var status = jack_status_t(rawValue: 0)
        guard let client = omnibark_jack_client_open_server(clientName, JackNoStartServer, &status, server) else {
            throw JackTestServerError(description: "test recorder could not open a client on '\(server)' (status 0x\(String(status.rawValue, radix: 16)))")
        }
        guard let port = jack_port_register(client, "in", omnibark_jack_default_audio_type(), UInt(JackPortIsInput.rawValue), 0) else {
            jack_client_close(client)
            throw JackTestServerError(description: "test recorder could not register its input port")
        }
        portName = String(cString: jack_port_name(port))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        buffer.initialize(repeating: .nan, count: capacity)
        context = .allocate(capacity: 1)
        context.initialize(to: JackTestRecorderContext(
            port: port, buffer: buffer, capacity: capacity, count: .create(0), leadingSilence: .create(0),
            triggerOnNonZero: triggerOnNonZero, triggered: !triggerOnNonZero))
        jack_set_process_callback(client, { frames, arg in
            JackTestRecorder.process(frames: frames, arg: arg)
        }, UnsafeMutableRawPointer(context))
        guard jack_activate(client) == 0 else {
            jack_client_close(client)
            throw JackTestServerError(description: "test recorder could not activate")
        }
        self.client = client
    }

    deinit {
        close()
        context.pointee.count.destroy()
        context.pointee.leadingSilence.destroy()
        context.pointee.buffer.deallocate()
        context.deinitialize(count: 1)
        context.deallocate()
    }

    private static func process(frames: jack_nframes_t, arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        let context = arg.assumingMemoryBound(to: JackTestRecorderContext.self)
        guard let raw = jack_port_get_buffer(context.pointee.port, frames) else { return 0 }
        let input = raw.assumingMemoryBound(to: Float.self)
        var start = 0
        let n = Int(frames)
        if !context.pointee.triggered {
            while start < n && input[start] == 0 { start += 1 }
            context.pointee.leadingSilence.wrappingIncrement(by: start, ordering: .relaxed)
            if start == n { return 0 }
            context.pointee.triggered = true
        }
        let count = context.pointee.count.load(ordering: .relaxed)
        let take = min(n - start, context.pointee.capacity - count)
        if take > 0 {
            (context.pointee.buffer + count).update(from: input + start, count: take)
            context.pointee.count.store(count + take, ordering: .releasing)
        }
        return 0
    }

    /// Samples recorded so far.
    public var count: Int { context.pointee.count.load(ordering: .acquiring) }
    public var capacity: Int { context.pointee.capacity }
    public var isFull: Bool { count >= capacity }
    /// Frames of silence skipped before the first non-zero sample (trigger mode).
    public var leadingSilence: Int { context.pointee.leadingSilence.load(ordering: .relaxed) }

    /// A copy of the samples recorded so far.
    public func samples() -> [Float] {
        let n = count
        return Array(UnsafeBufferPointer(start: context.pointee.buffer, count: n))
    }

    /// Connects `source` (e.g. `omnibark:out_1`) to this recorder's input.
    public func connect(from source: String) throws {
        guard let client else { throw JackTestServerError(description: "recorder closed") }
        let code = jack_connect(client, source, portName)
        guard code == 0 else { throw JackTestServerError(description: "jack_connect \(source) → \(portName) failed: \(code)") }
    }

    /// Turns the server's freewheel mode on or off (cycles as fast as possible, no xruns).
    public func setFreewheel(_ on: Bool) throws {
        guard let client else { throw JackTestServerError(description: "recorder closed") }
        let code = jack_set_freewheel(client, on ? 1 : 0)
        guard code == 0 else { throw JackTestServerError(description: "jack_set_freewheel(\(on)) failed: \(code)") }
    }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    public static func wait(timeout: Duration, until condition: () -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !condition() {
            if clock.now >= deadline { return false }
            usleep(1_000)
        }
        return true
    }

    public func close() {
        if let client {
            jack_client_close(client)
            self.client = nil
        }
    }
}
