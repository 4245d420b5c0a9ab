import CAllocationCounter
import Foundation
import JackTestSupport
import OmniBark
import Streaming
import Testing

/// The benchmark's JACK probe (`omnibark bench --events --reference`) keeps the realtime rules
/// too: its process callback plays the tone, runs the MIDI clock and writes note-ons without a
/// single allocator call. Its MIDI reaches a sink's `control_in`.
@Suite("The benchmark probe's process callback never allocates", .serialized)
struct ProbeCallbackAllocationTests {
    @Test func probeProcessThreadNeverAllocates() throws {
        let server = try JackTestServer.start()
        defer { server.stop() }
        let ring = SPSCRingBuffer(capacity: 1 << 16)
        let sink = try JackSink(ring: ring, configuration: .init(serverName: server.name, midiInput: true, referenceInput: true,
                                                                  midiQueueCapacity: 4096))
        defer { sink.close() }
        // 600 bpm: a clock tick every 200 frames, several per 256-frame cycle.
        let probe = try JackLiveProbe(server: server.name, beatsPerMinute: 600)
        defer { probe.close() }
        try probe.connect(probe.midiPortName, to: try #require(sink.midiInputPortName))
        try probe.connect(probe.tonePortName, to: try #require(sink.referenceInputPortName))
        let thread = try #require(probe.processThreadID)

        allocation_counter_reset()
        allocation_counter_watch(thread)
        defer { allocation_counter_unwatch() }
        let cyclesAtStart = sink.cycles
        probe.setClockRunning(true)
        var records = 0
        var referenceRead = 0
        for round in 0..<200 {
            probe.triggerNote()
            if round == 100 { probe.setClockRunning(false) }
            if round == 120 { probe.setClockRunning(true) }
            usleep(8_000)
            records += sink.drainMIDI { _ in }
            referenceRead += sink.referenceRing?.read(maxCount: 1 << 16).count ?? 0
        }
        let cyclesWatched = sink.cycles - cyclesAtStart
        allocation_counter_unwatch()
        let counted = allocation_counter_total()

        #expect(cyclesWatched >= 200, "only \(cyclesWatched) cycles ran")
        #expect(counted == 0, "the probe's process thread made \(counted) allocator calls over \(cyclesWatched) cycles")
        #expect(records > 200, "the sink saw \(records) MIDI records (notes, note-offs, clock)")
        #expect(referenceRead > 0, "no tone reached reference_in")
        #expect(probe.writeFailures == 0)
    }
}
