import CAllocationCounter
import CJack
import Foundation
import JackTestSupport
import Streaming
import Testing
import TestSupport

// Why the interposer lives in the shared test binary (and not in a separate executable): on
// Linux the test binary is an executable, and a malloc defined in an executable wins over
// libc.so's for every library loaded into the process (libjack, libswiftCore, Foundation), so
// the JackSink under test runs exactly as it does in the product. The interposer forwards to
// glibc's own `__libc_*` entry points, costs unwatched threads one relaxed load per call, and
// never runs before a thread is watched; `interposerIsLinked` below fails if it is not the
// process's malloc.

private struct AllocatingClientError: Error, CustomStringConvertible {
    let description: String
}

/// A JACK client whose process callback allocates and frees on purpose: proof that counting on
/// the thread named by `jack_client_thread_id` sees what a process callback allocates.
private final class AllocatingJackClient {
    private var client: OpaquePointer?

    init(server: String) throws {
        var status = jack_status_t(rawValue: 0)
        guard let client = omnibark_jack_client_open_server("allocating", JackNoStartServer, &status, server) else {
            throw AllocatingClientError(description: "allocating client could not open on '\(server)' (status 0x\(String(status.rawValue, radix: 16)))")
        }
        jack_set_process_callback(client, { _, _ in
            let block = malloc(64)
            free(block)
            return 0
        }, nil)
        guard jack_activate(client) == 0 else {
            jack_client_close(client)
            throw AllocatingClientError(description: "allocating client could not activate")
        }
        self.client = client
    }

    var thread: pthread_t? { client.map { jack_client_thread_id($0) } }

    func close() {
        if let client { jack_client_close(client) }
        client = nil
    }

    deinit { close() }
}

/// Runs `body` on a new thread while that thread is watched; returns the calls counted.
private func countedOnFreshThread(_ body: @escaping @Sendable () -> Void) -> Int {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        allocation_counter_reset()
        allocation_counter_watch(pthread_self())
        body()
        allocation_counter_unwatch()
        done.signal()
    }
    thread.start()
    done.wait()
    return allocation_counter_total()
}

@Suite("The JACK process callback never allocates", .serialized)
struct ProcessCallbackAllocationTests {
    @Test("positive control: the interposer is the process's malloc and counts only the watched thread")
    func interposerIsLinked() {
        #expect(allocation_counter_is_interposed() == 1, "malloc is not interposed: the counter would see nothing")
        let direct = countedOnFreshThread {
            let block = malloc(100)
            free(block)
        }
        #expect(direct == 2)
        // A Swift array allocates through libswiftCore's malloc: calls from shared libraries count.
        let swiftArray = countedOnFreshThread {
            let array = [Int](repeating: 7, count: 1_000)
            precondition(array.count == 1_000)
        }
        #expect(swiftArray >= 1)
        #expect(allocation_counter_count(allocation_counter_malloc) >= 1)
        // Another thread's allocations are not counted: watch a thread parked on a semaphore
        // while this thread allocates.
        let parked = DispatchSemaphore(value: 0)
        let watching = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            allocation_counter_reset()
            allocation_counter_watch(pthread_self())
            watching.signal()
            parked.wait()
            allocation_counter_unwatch()
            finished.signal()
        }.start()
        watching.wait()
        for size in 1...100 { free(malloc(size)) }
        let whileParked = allocation_counter_total()
        parked.signal()
        finished.wait()
        #expect(whileParked == 0, "allocations of an unwatched thread were counted: \(whileParked)")
    }

    @Test("zero allocations on the sink's process thread over hundreds of cycles with every input busy")
    func sinkProcessThreadNeverAllocates() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }

        // Positive control on a JACK process thread: an allocating callback is counted.
        let allocating = try AllocatingJackClient(server: server.name)
        let allocatingThread = try #require(allocating.thread)
        allocation_counter_reset()
        allocation_counter_watch(allocatingThread)
        usleep(200_000)
        allocation_counter_unwatch()
        let controlCount = allocation_counter_total()
        allocating.close()
        #expect(controlCount >= 2, "an allocating JACK process callback must be counted, got \(controlCount)")

        let ring = SPSCRingBuffer(capacity: 1 << 16)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name, midiInput: true, referenceInput: true,
                                                                  midiQueueCapacity: 256))
        defer { sink.close() }
        let processThread = try #require(sink.processThreadID)
        let sender = try JackTestMIDISender(server: server.name)
        defer { sender.close() }
        try sender.connect(to: try #require(sink.midiInputPortName))
        try sender.becomeTimebaseMaster(beatsPerMinute: 960, sampleRate: server.sampleRate)  // a beat every 3,000 frames
        var random = SplitMix64(seed: 77)
        let referenceAudio = (0..<96_000).map { _ in Float.random(in: -0.5...0.5, using: &random) }
        let player = try JackTestPlayer(server: server.name, capacity: referenceAudio.count)
        defer { player.close() }
        try player.connect(to: try #require(sink.referenceInputPortName))

        allocation_counter_reset()
        allocation_counter_watch(processThread)
        defer { allocation_counter_unwatch() }
        let cyclesAtStart = sink.cycles

        // Audio into the ring from a producer thread (its allocations are not watched).
        let stop = DispatchSemaphore(value: 0)
        let producerDone = DispatchSemaphore(value: 0)
        Thread {
            let chunk = [Float](repeating: 0.05, count: 512)
            while stop.wait(timeout: .now()) != .success {
                if ring.write(chunk) == 0 { usleep(1_000) }
            }
            producerDone.signal()
        }.start()
        try player.play(referenceAudio)
        try sender.startTransport()

        var decoder = MIDIMessageDecoder()
        var drained = 0
        var referenceRead = 0
        var batch = 0
        while sink.cycles < cyclesAtStart + 400 || batch < 60 {
            var events: [JackTestMIDISender.Event] = []
            switch batch % 6 {
            case 0:  // notes, CCs, a clock, start
                events = [.init(offset: 0, bytes: [0xFA]), .init(offset: 1, bytes: [0x90, 60, 100]), .init(offset: 2, bytes: [0xF8]),
                          .init(offset: 40, bytes: [0xB3, 1, 64]), .init(offset: 41, bytes: [0x80, 60, 0])]
            case 1:  // SysEx flood
                events = (0..<6).map { .init(offset: $0 * 20, bytes: [0xF0] + [UInt8](repeating: 0x55, count: 100) + [0xF7]) }
            case 2:  // garbage, 1…3 bytes
                events = (0..<40).map { i in
                    .init(offset: i * 3, bytes: (0..<(1 + i % 3)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
                }
            case 3:  // clocks and stop/continue
                events = (0..<24).map { .init(offset: $0 * 8, bytes: [0xF8]) } + [.init(offset: 200, bytes: [0xFC]), .init(offset: 201, bytes: [0xFB])]
            case 4:  // running-status garbage
                events = [.init(offset: 0, bytes: [0x90]), .init(offset: 1, bytes: [61, 62, 63]), .init(offset: 2, bytes: [0xF7, 1])]
            default:  // nothing this batch: the queue fills while nobody drains
                events = []
            }
            if batch % 10 == 9 {
                // Stop and restart the transport now and then (state-change records).
                try sender.stopTransport()
                usleep(20_000)
                try sender.startTransport()
            }
            if !events.isEmpty { _ = try sender.send(events) }
            if batch % 3 == 0 {
                drained += sink.drainMIDI { _ = decoder.decode(record: $0) }
                referenceRead += sink.referenceRing?.read(maxCount: 1 << 16).count ?? 0
            }
            batch += 1
            if batch > 2_000 { break }
        }
        let cyclesWatched = sink.cycles - cyclesAtStart
        allocation_counter_unwatch()
        let counted = allocation_counter_total()
        stop.signal()
        producerDone.wait()

        #expect(cyclesWatched >= 400, "only \(cyclesWatched) cycles ran")
        let breakdown = (0..<Int(allocation_counter_function_count.rawValue)).map {
            allocation_counter_count(allocation_counter_function(rawValue: UInt32($0)))
        }
        let functions = "malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign, valloc, pvalloc"
        #expect(counted == 0, "the process thread made \(counted) allocator calls over \(cyclesWatched) cycles (\(functions): \(breakdown))")
        // The inputs really were exercised while watched.
        #expect(sink.sysexDropped > 0)
        #expect(sink.midiEvents > 0)
        #expect(sink.transportBeats > 0)
        #expect(sink.deliveredSamples > 0)
        #expect(drained > 0 && decoder.malformedCount > 0)
        #expect(referenceRead > 0 && player.played > 0)
    }
}
