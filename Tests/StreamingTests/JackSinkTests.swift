import Foundation
import JackTestSupport
import Streaming
import Testing
import TestSupport

/// Seeded noise that is never exactly zero (so the recorder's trigger finds the first sample).
private func nonZeroNoise(count: Int, seed: UInt64) -> [Float] {
    var random = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        let magnitude = Float.random(in: 0.01...0.9, using: &random)
        return Bool.random(using: &random) ? magnitude : -magnitude
    }
}

/// The JackSink against real `jackd -d dummy` servers, one private server per test. Serialized:
/// libjack keeps per-process global state, and two cores are shared with other builds.
@Suite("JackSink with a real JACK server", .serialized)
struct JackSinkTests {
    @Test("a known sequence written to the ring arrives at a recording client exactly (freewheel)")
    func exactDelivery() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let sequence = nonZeroNoise(count: 3 * 48_000, seed: 7)
        let ring = SPSCRingBuffer(minimumCapacity: sequence.count)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name))
        defer { sink.close() }
        #expect(sink.sampleRate == 48_000)
        #expect(sink.bufferSize == 256)
        #expect(sink.clientName == "omnibark")
        #expect(sink.portNames == ["omnibark:out_1"])

        let trailing = 4_096
        let recorder = try JackTestRecorder(server: server.name, capacity: sequence.count + trailing, triggerOnNonZero: true)
        defer { recorder.close() }
        try recorder.connect(from: sink.portNames[0])
        try recorder.setFreewheel(true)
        defer { try? recorder.setFreewheel(false) }

        #expect(ring.write(sequence) == sequence.count)
        let full = JackTestRecorder.wait(timeout: .seconds(30)) { recorder.isFull }
        try #require(full, "recorder got \(recorder.count) of \(recorder.capacity) samples; \(server.log)")
        try recorder.setFreewheel(false)

        let recorded = recorder.samples()
        // The recorder starts at the first non-zero sample; the sequence starts there.
        let body = Array(recorded[0..<sequence.count])
        let firstDifference = zip(body, sequence).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "first differing sample at \(String(describing: firstDifference))")
        #expect(recorded[sequence.count...].allSatisfy { $0 == 0 }, "after the sequence the sink must play silence")
        #expect(sink.deliveredSamples == sequence.count)
        #expect(sink.underrunEvents == 1, "one gap: the end of the stream")
        #expect(sink.underrunSamples >= trailing)
        #expect(sink.waitUntilDrained(timeout: .seconds(5)))
    }

    @Test("stereo: out_1 and out_2 carry the same signal")
    func stereo() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let sequence = nonZeroNoise(count: 48_000, seed: 11)
        let ring = SPSCRingBuffer(minimumCapacity: sequence.count)
        let sink = try JackSink(ring: ring, configuration: .init(clientName: "omnibark-stereo", serverName: server.name, channels: 2))
        defer { sink.close() }
        #expect(sink.portNames == ["omnibark-stereo:out_1", "omnibark-stereo:out_2"])
        let left = try JackTestRecorder(server: server.name, clientName: "left", capacity: sequence.count, triggerOnNonZero: true)
        defer { left.close() }
        let right = try JackTestRecorder(server: server.name, clientName: "right", capacity: sequence.count, triggerOnNonZero: true)
        defer { right.close() }
        try sink.connect(to: [left.portName, right.portName])
        try left.setFreewheel(true)
        defer { try? left.setFreewheel(false) }
        #expect(ring.write(sequence) == sequence.count)
        try #require(JackTestRecorder.wait(timeout: .seconds(30)) { left.isFull && right.isFull })
        try left.setFreewheel(false)
        #expect(left.samples() == sequence)
        #expect(right.samples() == sequence)
    }

    @Test("real time: a producer thread streams 1 s in chunks; every sample is delivered, xruns only counted")
    func realtimeStreaming() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let total = 48_000
        let ring = SPSCRingBuffer(capacity: 8_192)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name))
        defer { sink.close() }
        let producerDone = DispatchSemaphore(value: 0)
        Thread {
            var next = 0
            var chunk = [Float](repeating: 0, count: 1_000)
            while next < total {
                let size = min(chunk.count, total - next)
                for i in 0..<size { chunk[i] = Float(next + i + 1) / Float(total) }
                var offset = 0
                while offset < size {
                    let wrote = ring.write(chunk[offset..<size])
                    offset += wrote
                    if wrote == 0 { usleep(2_000) }
                }
                next += size
            }
            producerDone.signal()
        }.start()
        #expect(producerDone.wait(timeout: .now() + 20) == .success)
        #expect(sink.waitUntilDrained(timeout: .seconds(20)))
        #expect(sink.deliveredSamples == total)
        #expect(sink.cycles > 0)
        // xruns happen on a busy machine: they are counted, never asserted to be zero.
        _ = sink.xruns
    }

    @Test("underrun: when the producer stops early the sink plays silence and counts the gap")
    func underrun() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let ring = SPSCRingBuffer(capacity: 16_384)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name))
        defer { sink.close() }
        #expect(sink.underrunEvents == 0)

        // Silence before any audio is not an underrun.
        try #require(JackTestRecorder.wait(timeout: .seconds(5)) { sink.cycles > 4 })
        #expect(sink.underrunEvents == 0 && sink.underrunSamples == 0)

        let first = nonZeroNoise(count: 4_800, seed: 1)
        #expect(ring.write(first) == first.count)
        #expect(sink.waitUntilDrained(timeout: .seconds(10)))
        #expect(sink.underrunEvents == 1)
        let silenceAfterFirst = sink.underrunSamples
        #expect(silenceAfterFirst > 0)

        let second = nonZeroNoise(count: 4_800, seed: 2)
        #expect(ring.write(second) == second.count)
        #expect(sink.waitUntilDrained(timeout: .seconds(10)))
        #expect(sink.underrunEvents == 2)
        #expect(sink.deliveredSamples == first.count + second.count)
        #expect(sink.underrunSamples > silenceAfterFirst)
    }

    @Test("underrun in freewheel: recorded audio is the stream followed by exact silence")
    func underrunRecorded() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let audio = nonZeroNoise(count: 48_000 + 128, seed: 3)  // ends mid-period
        let ring = SPSCRingBuffer(minimumCapacity: audio.count)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name))
        defer { sink.close() }
        let silence = 20_000
        let recorder = try JackTestRecorder(server: server.name, capacity: audio.count + silence, triggerOnNonZero: true)
        defer { recorder.close() }
        try recorder.connect(from: "omnibark:out_1")
        try recorder.setFreewheel(true)
        defer { try? recorder.setFreewheel(false) }
        #expect(ring.write(audio) == audio.count)
        try #require(JackTestRecorder.wait(timeout: .seconds(30)) { recorder.isFull })
        try recorder.setFreewheel(false)
        let recorded = recorder.samples()
        #expect(Array(recorded[0..<audio.count]) == audio)
        #expect(recorded[audio.count...].allSatisfy { $0 == 0 })
        #expect(sink.underrunEvents == 1)
        #expect(sink.underrunSamples >= silence)
    }

    @Test("a killed server (SIGKILL) is detected through the shutdown flag, without crashing")
    func serverKilled() throws {
        let server = try JackTestServer.start()
        let ring = SPSCRingBuffer(capacity: 4_096)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name))
        #expect(!sink.isShutDown)
        #expect(sink.shutdownMessage == nil)
        try #require(JackTestRecorder.wait(timeout: .seconds(5)) { sink.cycles > 0 })
        server.kill()
        let detected = JackTestRecorder.wait(timeout: .seconds(15)) { sink.isShutDown }
        #expect(detected, "the sink did not notice that jackd was killed")
        if detected {
            #expect(sink.shutdownMessage?.contains("reconnect()") == true)
            #expect(!sink.isRunning)
            #expect(!sink.waitUntilDrained(timeout: .milliseconds(100)))
            #expect(throws: JackSinkError.self) { try sink.connect(to: ["system:playback_1"]) }
        }
        sink.close()
        sink.close()  // idempotent
    }

    @Test("a stopped server (SIGTERM) is detected, and the sink reconnects to a new server")
    func serverStoppedThenReconnect() throws {
        let server = try JackTestServer.start()
        let ring = SPSCRingBuffer(capacity: 4_096)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name))
        defer { sink.close() }
        server.stop()
        try #require(JackTestRecorder.wait(timeout: .seconds(15)) { sink.isShutDown })

        let restarted = try JackTestServer.start(name: server.name)
        defer {
            sink.close()  // before the server goes, so libjack removes its client semaphore
            restarted.stop()
        }
        try sink.reconnect()
        #expect(sink.isRunning)
        #expect(!sink.isShutDown)
        let cyclesBefore = sink.cycles
        #expect(JackTestRecorder.wait(timeout: .seconds(5)) { sink.cycles > cyclesBefore + 4 })
        #expect(ring.write([Float](repeating: 0.25, count: 1_000)) == 1_000)
        #expect(sink.waitUntilDrained(timeout: .seconds(10)))
        #expect(sink.deliveredSamples == 1_000)
    }

    @Test("no server running: a typed error that says how to start one")
    func noServer() throws {
        try JackTestServer.exclusively { try noServerLocked() }
    }

    private func noServerLocked() throws {
        let name = JackTestServer.uniqueName()
        let ring = SPSCRingBuffer(capacity: 1_024)
        do {
            _ = try JackSink(ring: ring, configuration: .init(serverName: name))
            Issue.record("opening a sink on a server that does not run must throw")
        } catch {
            guard case .serverNotRunning(let server, _) = error else {
                Issue.record("expected serverNotRunning, got \(error)")
                return
            }
            #expect(server == name)
            #expect(error.description.contains("jackd -d dummy -r 48000 &"))
            #expect(error.description.contains("jackd -d alsa"))
            #expect(error.description.contains(name))
        }
        // And nothing was started behind our back (JackNoStartServer).
        let probe = try JackTestServer.requireTool("jack_lsp")
        #expect(!probe.isEmpty)
    }

    @Test("invalid channel count is rejected before touching JACK")
    func badChannels() {
        #expect(throws: JackSinkError.unsupportedChannelCount(3)) {
            _ = try JackSink(ring: SPSCRingBuffer(capacity: 8), configuration: .init(channels: 3))
        }
    }
}
