import Atomics
import CJack
import Foundation

/// Plays the samples of an ``SPSCRingBuffer`` through JACK output ports.
///
/// Opening a sink opens a JACK client (default name `omnibark`) on a running server (never
/// starting one: `JackNoStartServer`), registers `out_1` (and `out_2` for stereo, carrying the
/// same mono signal), installs a process callback that only copies from the ring buffer's
/// ``UnsafeSPSCRingReader`` into the port buffers (silence and a counted underrun for whatever is
/// missing), an xrun counter and a shutdown flag, and activates the client. The generation
/// thread keeps writing into the ring buffer; the sink is its only consumer.
///
/// ```swift
/// let ring = SPSCRingBuffer(minimumCapacity: 48_000)
/// let sink = try JackSink(ring: ring)            // server from $JACK_DEFAULT_SERVER or "default"
/// try sink.connect(to: ["system:playback_1", "system:playback_2"])
/// // generation thread: ring.write(samples) …
/// _ = sink.waitUntilDrained(timeout: .seconds(5))
/// sink.close()
/// ```
///
/// Inputs (optional, see ``Configuration``): with `midiInput` the sink registers the MIDI input
/// port `control_in`; its process callback copies every short MIDI event (1…3 bytes) into a
/// preallocated lock-free queue of ``JackMIDIRecord``s stamped with JACK frame time and output-
/// timeline position, counts longer events (SysEx) and overflow, and also records JACK transport
/// changes and beats. Read them with ``drainMIDI(_:)`` (decode with ``MIDIMessageDecoder``). With
/// `referenceInput` it registers the audio input port `reference_in` and copies what arrives into
/// ``referenceRing`` (overflow is counted, never waited on).
///
/// If the server goes away, ``isShutDown`` becomes true and ``shutdownMessage`` explains it;
/// the owner may call ``reconnect()`` once a server runs again (counters are kept).
///
/// Thread safety: all methods may be called from any thread; opening, connecting, closing and
/// reconnecting are serialized by an internal lock (never taken by the audio thread). Counters
/// are atomics and can be polled from anywhere. The realtime side is described in
/// `JackRealtimeCallbacks.swift`. The sink holds a strong reference to the ring buffer, so the
/// reader its callback uses stays valid while a client is open.
public final class JackSink: @unchecked Sendable {
    /// The configuration the sink was opened with.
    public let configuration: Configuration
    /// The ring buffer this sink consumes (it must have no other consumer).
    public let ring: SPSCRingBuffer
    /// Audio captured from `reference_in` (when opened with `referenceInput`), at the server's
    /// rate, mono, from activation on. The sink is its only producer; the owner is its consumer
    /// (e.g. `referenceRing.read(maxCount:)`) and should keep draining it. Survives ``reconnect()``.
    public let referenceRing: SPSCRingBuffer?
    /// The control queue (when opened with `midiInput`); read through ``drainMIDI(_:)``.
    private let midiQueue: JackMIDIRecordQueue?

    private let counters: RealtimeSafeJackCounters
    private let lock = NSLock()
    // Guarded by `lock`:
    private var client: OpaquePointer?
    private var context: UnsafeMutablePointer<RealtimeSafeJackContext>?
    private var openedClientName: String
    private var openedPortNames: [String] = []
    private var openedMIDIPortName: String?
    private var openedReferencePortName: String?
    private var openedSampleRate: Int = 0

    /// Opens the client, registers ports, installs callbacks, activates, and connects to
    /// `configuration.connectTo`.
    ///
    /// - Throws: ``JackSinkError/serverNotRunning(server:status:)`` when no server is running
    ///   (the message says how to start one), or another ``JackSinkError``.
    public init(ring: SPSCRingBuffer, configuration: Configuration = Configuration()) throws(JackSinkError) {
        guard configuration.channels == 1 || configuration.channels == 2 else {
            throw .unsupportedChannelCount(configuration.channels)
        }
        if configuration.midiInput && !(1...(1 << 24)).contains(configuration.midiQueueCapacity) {
            throw .invalidCapacity(setting: "midiQueueCapacity", value: configuration.midiQueueCapacity, allowed: "1...16777216")
        }
        if configuration.referenceInput && !(1...(1 << 30)).contains(configuration.referenceCapacity) {
            throw .invalidCapacity(setting: "referenceCapacity", value: configuration.referenceCapacity, allowed: "1...1073741824")
        }
        self.ring = ring
        self.midiQueue = configuration.midiInput ? JackMIDIRecordQueue(minimumCapacity: configuration.midiQueueCapacity) : nil
        self.referenceRing = configuration.referenceInput ? SPSCRingBuffer(minimumCapacity: configuration.referenceCapacity) : nil
        self.configuration = configuration
        self.counters = RealtimeSafeJackCounters.create()
        self.openedClientName = configuration.clientName
        // All stored properties are set: if this initializer throws from here on, `deinit` runs
        // (Swift class rule), which closes whatever was opened and destroys the counters.
        try openLocked()
        if !configuration.connectTo.isEmpty {
            try connect(to: configuration.connectTo)
        }
    }

    deinit {
        close()
        counters.destroy()
    }

    // MARK: Properties

    /// The client name JACK gave us (normally `configuration.clientName`).
    public var clientName: String { lock.withLock { openedClientName } }
    /// Full names of the output ports, e.g. `["omnibark:out_1"]`.
    public var portNames: [String] { lock.withLock { openedPortNames } }
    /// The server's sample rate in Hz (write samples at this rate).
    public var sampleRate: Int { lock.withLock { openedSampleRate } }
    /// The server's current period size in frames.
    public var bufferSize: Int { counters.bufferSize.load(ordering: .relaxed) }
    /// Process callbacks run so far.
    public var cycles: Int { counters.cycles.load(ordering: .acquiring) }
    /// Samples (per channel) taken from the ring buffer and played.
    public var deliveredSamples: Int { counters.deliveredSamples.load(ordering: .relaxed) }
    /// Samples (per channel) of silence played because the ring buffer ran short after audio had
    /// started. Silence before the first audio, and after the end while idle, both count once
    /// audio has started: compare with ``underrunEvents`` for gaps.
    public var underrunSamples: Int { counters.underrunSamples.load(ordering: .relaxed) }
    /// Number of gaps: cycles where the ring buffer ran short after a fully served cycle.
    public var underrunEvents: Int { counters.underrunEvents.load(ordering: .relaxed) }
    /// xruns reported by the server (these happen under load; they are counted, not fatal).
    public var xruns: Int { counters.xruns.load(ordering: .relaxed) }
    /// Full name of the MIDI input port (e.g. `omnibark:control_in`) when opened with `midiInput`.
    public var midiInputPortName: String? { lock.withLock { openedMIDIPortName } }
    /// Full name of the audio input port (e.g. `omnibark:reference_in`) when opened with `referenceInput`.
    public var referenceInputPortName: String? { lock.withLock { openedReferencePortName } }
    /// MIDI events of 1…3 bytes queued from `control_in` so far.
    public var midiEvents: Int { counters.midiEvents.load(ordering: .relaxed) }
    /// MIDI events longer than 3 bytes (SysEx) that arrived on `control_in` and were not queued.
    public var sysexDropped: Int { counters.sysexDropped.load(ordering: .relaxed) }
    /// Control records (MIDI events or transport changes) dropped because the queue was full.
    public var midiOverflow: Int { counters.midiOverflow.load(ordering: .relaxed) }
    /// Transport-beat records queued so far.
    public var transportBeats: Int { counters.transportBeats.load(ordering: .relaxed) }
    /// Frames copied from `reference_in` into ``referenceRing`` so far.
    public var referenceFrames: Int { counters.referenceFrames.load(ordering: .relaxed) }
    /// Frames of `reference_in` dropped because ``referenceRing`` was full.
    public var referenceOverflow: Int { counters.referenceOverflow.load(ordering: .relaxed) }
    /// The output-timeline position now, in frames: ``deliveredSamples`` + ``underrunSamples``
    /// (see ``JackMIDIRecord/outputFrame``).
    public var outputTimelineFrames: Int { deliveredSamples + underrunSamples }

    /// The process thread of the open client (`jack_client_thread_id`), or nil when closed.
    /// For diagnostics and tests (e.g. counting what that thread allocates).
    public var processThreadID: pthread_t? {
        lock.withLock {
            guard let client else { return nil }
            let thread = jack_client_thread_id(client)
            return thread == 0 ? nil : thread
        }
    }

    /// The realtime (SCHED_FIFO) priority of the client's process thread, or nil when the server
    /// does not run realtime (or the client is closed). ``GenerationThreadPriority`` stays below it.
    public var realtimePriority: Int? {
        lock.withLock {
            guard let client else { return nil }
            let priority = jack_client_real_time_priority(client)
            return priority > 0 ? Int(priority) : nil
        }
    }

    /// True once the server shut the client down (server stopped or killed).
    public var isShutDown: Bool { counters.shutDown.load(ordering: .acquiring) != 0 }
    /// True while a client is open and the server has not shut it down.
    public var isRunning: Bool { lock.withLock { client != nil } && !isShutDown }

    /// A human-readable reason when ``isShutDown``, else nil.
    public var shutdownMessage: String? {
        guard isShutDown else { return nil }
        let status = UInt32(truncatingIfNeeded: counters.shutdownStatus.load(ordering: .relaxed))
        let server = configuration.serverName.map { "'\($0)'" } ?? "(default)"
        return "JACK server \(server) shut down client '\(clientName)' (status 0x\(String(status, radix: 16))): "
            + "audio output stopped. Restart the server (e.g. `jackd -d dummy -r 48000 &` or `jackd -d alsa`) "
            + "and call reconnect(), or close() the sink."
    }

    // MARK: Operations

    /// Hands every queued control record (MIDI events from `control_in`, transport changes and
    /// beats) to `body`, oldest first, and returns how many there were. Returns 0 when the sink
    /// was opened without `midiInput`. Call from one (non-realtime) thread at a time; records
    /// keep arriving while the sink runs, and those the queue cannot hold are counted in
    /// ``midiOverflow``.
    @discardableResult
    public func drainMIDI(_ body: (JackMIDIRecord) throws -> Void) rethrows -> Int {
        guard let midiQueue else { return 0 }
        return try midiQueue.drain(body)
    }

    /// Connects the output ports to `destinations`. Mono: `out_1` goes to every destination.
    /// Stereo: destination `i` gets `out_1` for even `i` and `out_2` for odd `i`. Already
    /// connected pairs are fine.
    public func connect(to destinations: [String]) throws(JackSinkError) {
        lock.lock()
        defer { lock.unlock() }
        try connectLocked(to: destinations)
    }

    private func connectLocked(to destinations: [String]) throws(JackSinkError) {
        guard let client, !isShutDown else {
            throw .notRunning(client: openedClientName, reason: "closed or shut down by the server")
        }
        for (index, destination) in destinations.enumerated() {
            let source = openedPortNames[index % openedPortNames.count]
            let code = jack_connect(client, source, destination)
            if code != 0 && code != EEXIST {
                throw .connectionFailed(source: source, destination: destination, code: code)
            }
        }
    }

    /// Blocks until everything written to the ring buffer so far has been handed to JACK (the
    /// ring is empty and the cycle that emptied it has finished, plus one more), or until
    /// `timeout`. Returns false on timeout, or when the client is closed or shut down.
    /// Never call this from the audio thread.
    @discardableResult
    public func waitUntilDrained(timeout: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var emptySinceCycle: Int?
        while true {
            if isShutDown || !lock.withLock({ client != nil }) { return false }
            let cycle = cycles
            if ring.availableToRead == 0 {
                if let start = emptySinceCycle {
                    if cycle >= start &+ 2 { return true }
                } else {
                    emptySinceCycle = cycle
                }
            } else {
                emptySinceCycle = nil
            }
            if clock.now >= deadline { return false }
            usleep(1_000)
        }
    }

    /// Closes the old client (if any) and opens a new one with the same configuration, e.g.
    /// after the server was restarted. Counters keep counting.
    public func reconnect() throws(JackSinkError) {
        close()
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
        if !configuration.connectTo.isEmpty { try connectLocked(to: configuration.connectTo) }
    }

    /// Deactivates and closes the client, then frees the callback context. Idempotent. After a
    /// server shutdown this only releases the local resources.
    public func close() {
        lock.withLock {
            if let client {
                // jack_client_close deactivates first: no callback runs after it returns.
                _ = jack_client_close(client)
                self.client = nil
            }
            if let context {
                context.deinitialize(count: 1)
                context.deallocate()
                self.context = nil
            }
        }
    }

    // MARK: Opening

    /// Opens, registers, installs callbacks and activates. Call with `lock` held (or from init).
    private func openLocked() throws(JackSinkError) {
        let name = configuration.clientName
        let server = configuration.serverName
        var status = jack_status_t(rawValue: 0)
        let options = jack_options_t(rawValue: JackNoStartServer.rawValue)
        let opened: OpaquePointer? = if let server {
            omnibark_jack_client_open_server(name, options, &status, server)
        } else {
            omnibark_jack_client_open_server(name, options, &status, nil)
        }
        guard let client = opened else {
            if status.rawValue & JackServerFailed.rawValue != 0 || status.rawValue & JackServerError.rawValue != 0 {
                throw .serverNotRunning(server: server ?? ProcessInfo.processInfo.environment["JACK_DEFAULT_SERVER"], status: status.rawValue)
            }
            throw .clientOpenFailed(client: name, server: server, status: status.rawValue, reason: Self.describe(status: status.rawValue))
        }
        let actualName = jack_get_client_name(client).map { String(cString: $0) } ?? name

        var ports: [OpaquePointer] = []
        var portNames: [String] = []
        for channel in 1...configuration.channels {
            let portName = "out_\(channel)"
            guard let port = jack_port_register(client, portName, omnibark_jack_default_audio_type(),
                                                UInt(JackPortIsOutput.rawValue), 0) else {
                _ = jack_client_close(client)
                throw .portRegistrationFailed(client: actualName, port: portName)
            }
            ports.append(port)
            portNames.append(jack_port_name(port).map { String(cString: $0) } ?? "\(actualName):\(portName)")
        }
        var midiPort: OpaquePointer?
        var midiPortName: String?
        if configuration.midiInput {
            guard let port = jack_port_register(client, "control_in", omnibark_jack_default_midi_type(),
                                                UInt(JackPortIsInput.rawValue), 0) else {
                _ = jack_client_close(client)
                throw .portRegistrationFailed(client: actualName, port: "control_in")
            }
            midiPort = port
            midiPortName = jack_port_name(port).map { String(cString: $0) } ?? "\(actualName):control_in"
        }
        var referencePort: OpaquePointer?
        var referencePortName: String?
        if configuration.referenceInput {
            guard let port = jack_port_register(client, "reference_in", omnibark_jack_default_audio_type(),
                                                UInt(JackPortIsInput.rawValue), 0) else {
                _ = jack_client_close(client)
                throw .portRegistrationFailed(client: actualName, port: "reference_in")
            }
            referencePort = port
            referencePortName = jack_port_name(port).map { String(cString: $0) } ?? "\(actualName):reference_in"
        }

        // Reset the per-client flags; cumulative counters keep their values.
        counters.shutDown.store(0, ordering: .releasing)
        counters.shutdownStatus.store(0, ordering: .relaxed)
        counters.bufferSize.store(Int(jack_get_buffer_size(client)), ordering: .relaxed)

        let context = UnsafeMutablePointer<RealtimeSafeJackContext>.allocate(capacity: 1)
        context.initialize(to: RealtimeSafeJackContext(
            reader: ring.makeUnsafeRealtimeReader(), port1: ports[0],
            port2: ports.count > 1 ? ports[1] : nil, counters: counters,
            inputs: RealtimeSafeJackInputs(
                client: client, midiPort: midiPort, midiWriter: midiQueue?.makeUnsafeRealtimeWriter(),
                referencePort: referencePort, referenceWriter: referenceRing?.makeUnsafeRealtimeWriter())))
        let arg = UnsafeMutableRawPointer(context)

        func fail(_ step: String, _ code: Int32) -> JackSinkError {
            _ = jack_client_close(client)
            context.deinitialize(count: 1)
            context.deallocate()
            return .activationFailed(client: actualName, step: step, code: code)
        }
        // Non-capturing closure literals: they convert to @convention(c) function pointers and
        // get their context only through `arg`.
        var code = jack_set_process_callback(client, { frames, arg in
            RealtimeSafeJackCallbacks.process(frames: frames, context: arg)
        }, arg)
        if code != 0 { throw fail("jack_set_process_callback", code) }
        code = jack_set_xrun_callback(client, { arg in
            RealtimeSafeJackCallbacks.xrun(context: arg)
        }, arg)
        if code != 0 { throw fail("jack_set_xrun_callback", code) }
        code = jack_set_buffer_size_callback(client, { frames, arg in
            RealtimeSafeJackCallbacks.bufferSize(frames: frames, context: arg)
        }, arg)
        if code != 0 { throw fail("jack_set_buffer_size_callback", code) }
        jack_on_info_shutdown(client, { status, _, arg in
            RealtimeSafeJackCallbacks.shutdown(status: status.rawValue, context: arg)
        }, arg)
        code = jack_activate(client)
        if code != 0 { throw fail("jack_activate", code) }

        self.client = client
        self.context = context
        self.openedClientName = actualName
        self.openedPortNames = portNames
        self.openedMIDIPortName = midiPortName
        self.openedReferencePortName = referencePortName
        self.openedSampleRate = Int(jack_get_sample_rate(client))
    }

    private static func describe(status: UInt32) -> String {
        let flags: [(jack_status_t, String)] = [
            (JackFailure, "overall failure"), (JackInvalidOption, "invalid option"),
            (JackNameNotUnique, "client name not unique"), (JackServerStarted, "server started"),
            (JackServerFailed, "cannot connect to server"), (JackServerError, "server communication error"),
            (JackNoSuchClient, "no such client"), (JackLoadFailure, "cannot load internal client"),
            (JackInitFailure, "cannot initialize client"), (JackShmFailure, "cannot access shared memory"),
            (JackVersionError, "client/server protocol version mismatch"), (JackBackendError, "backend error"),
            (JackClientZombie, "client zombified"),
        ]
        let names = flags.filter { status & $0.0.rawValue != 0 }.map(\.1)
        return names.isEmpty ? "unknown" : names.joined(separator: ", ")
    }
}
