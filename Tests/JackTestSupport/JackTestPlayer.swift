import Atomics
import CJack
import Foundation

/// What the player's process callback touches: raw pointers, atomics and plain values only.
private struct JackTestPlayerContext {
    var client: OpaquePointer
    var port: OpaquePointer
    var samples: UnsafeMutablePointer<Float>
    var capacity: Int
    /// Samples to play (set before `playing` is raised).
    var count: UnsafeAtomic<Int>
    /// Samples played so far (stored `.releasing`).
    var played: UnsafeAtomic<Int>
    /// 1 while playing (raised `.releasing` by the test thread).
    var playing: UnsafeAtomic<Int>
    /// `jack_last_frame_time` of the cycle that played the first sample.
    var startFrame: UnsafeAtomic<Int>
}

/// A test JACK client with one audio output port `out` that plays given samples once, from the
/// start of the next cycle, then silence. For feeding a receiver's input port (e.g. `reference_in`).
///
/// Thread safety: one test thread drives it; the process callback uses only the preallocated context.
public final class JackTestPlayer: @unchecked Sendable {
    public let portName: String
    private var client: OpaquePointer?
    private let context: UnsafeMutablePointer<JackTestPlayerContext>

    public init(server: String, clientName: String = "player", capacity: Int) throws {
        var status = jack_status_t(rawValue: 0)
        guard let client = omnibark_jack_client_open_server(clientName, JackNoStartServer, &status, server) else {
            throw JackTestServerError(description: "test player could not open a client on '\(server)' (status 0x\(String(status.rawValue, radix: 16)))")
        }
        guard let port = jack_port_register(client, "out", omnibark_jack_default_audio_type(), UInt(JackPortIsOutput.rawValue), 0) else {
            jack_client_close(client)
            throw JackTestServerError(description: "test player could not register its output port")
        }
        portName = String(cString: jack_port_name(port))
        let samples = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        samples.initialize(repeating: 0, count: capacity)
        context = .allocate(capacity: 1)
        context.initialize(to: JackTestPlayerContext(
            client: client, port: port, samples: samples, capacity: capacity, count: .create(0), played: .create(0),
            playing: .create(0), startFrame: .create(-1)))
        jack_set_process_callback(client, { frames, arg in
            JackTestPlayer.process(frames: frames, arg: arg)
        }, UnsafeMutableRawPointer(context))
        guard jack_activate(client) == 0 else {
            jack_client_close(client)
            throw JackTestServerError(description: "test player could not activate")
        }
        self.client = client
    }

    deinit {
        close()
        let c = context.pointee
        for atomic in [c.count, c.played, c.playing, c.startFrame] { atomic.destroy() }
        c.samples.deallocate()
        context.deinitialize(count: 1)
        context.deallocate()
    }

    private static func process(frames: jack_nframes_t, arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        let context = arg.assumingMemoryBound(to: JackTestPlayerContext.self)
        guard let raw = jack_port_get_buffer(context.pointee.port, frames) else { return 0 }
        let output = raw.assumingMemoryBound(to: Float.self)
        let n = Int(frames)
        output.update(repeating: 0, count: n)
        guard context.pointee.playing.load(ordering: .acquiring) == 1 else { return 0 }
        let played = context.pointee.played.load(ordering: .relaxed)
        if played == 0 {
            context.pointee.startFrame.store(Int(jack_last_frame_time(context.pointee.client)), ordering: .relaxed)
        }
        let take = min(n, context.pointee.count.load(ordering: .relaxed) - played)
        if take > 0 {
            output.update(from: context.pointee.samples + played, count: take)
            context.pointee.played.store(played + take, ordering: .releasing)
        }
        return 0
    }

    /// Starts playing `samples` at the next cycle (once; silence afterwards).
    public func play(_ samples: [Float]) throws {
        let c = context.pointee
        guard samples.count <= c.capacity else {
            throw JackTestServerError(description: "test player: \(samples.count) samples exceed the capacity \(c.capacity)")
        }
        guard c.playing.load(ordering: .acquiring) == 0 else {
            throw JackTestServerError(description: "test player plays only once")
        }
        samples.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { c.samples.update(from: base, count: source.count) }
        }
        c.count.store(samples.count, ordering: .relaxed)
        c.playing.store(1, ordering: .releasing)
    }

    /// Samples played so far.
    public var played: Int { context.pointee.played.load(ordering: .acquiring) }
    /// True once every sample given to `play` has been played.
    public var isDone: Bool { context.pointee.playing.load(ordering: .acquiring) == 1 && played >= context.pointee.count.load(ordering: .relaxed) }
    /// `jack_last_frame_time` of the cycle that played the first sample, once it has.
    public var startFrame: UInt32? {
        let frame = context.pointee.startFrame.load(ordering: .relaxed)
        return frame < 0 ? nil : UInt32(truncatingIfNeeded: frame)
    }

    /// Connects `out` to `destination` (e.g. `omnibark:reference_in`).
    public func connect(to destination: String) throws {
        guard let client else { throw JackTestServerError(description: "player closed") }
        let code = jack_connect(client, portName, destination)
        guard code == 0 else { throw JackTestServerError(description: "jack_connect \(portName) → \(destination) failed: \(code)") }
    }

    public func close() {
        if let client {
            jack_client_close(client)
            self.client = nil
        }
    }
}
