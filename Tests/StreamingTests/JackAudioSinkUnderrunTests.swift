import Foundation
import JackTestSupport
import Streaming
import Testing

/// Underruns count only while audio was due: silence between utterances is not a gap, a
/// shortfall inside one is.
@Suite(.serialized) struct JackAudioSinkUnderrunTests {
    static func tone(_ seconds: Double, rate: Int) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { Float(sin(Double($0) * 0.05)) * 0.2 }
    }

    @Test func idleTimeBetweenUtterancesIsNoUnderrun() throws {
        do {
            let server = try JackTestServer.start()
            defer { server.stop() }
            let sink = try JackAudioSink(configuration: JackSink.Configuration(clientName: "underruns", serverName: server.name))
            defer { sink.cancel() }
            let rate = sink.sampleRate
            // Utterance 1, then its end, then a second of idle silence (the ring runs dry).
            try sink.write(Self.tone(0.3, rate: rate))
            try sink.endOfUtterance()
            #expect(JackTestRecorder.wait(timeout: .seconds(10)) { sink.jack.underrunEvents >= 1 })
            Thread.sleep(forTimeInterval: 0.5)
            #expect(sink.underruns == 0, "idle silence counted: \(sink.underruns)")
            let playedBefore = sink.playedSeconds
            #expect(playedBefore > 0.3)

            // Utterance 2 with a real gap inside: half, a pause while it is due, the rest.
            try sink.write(Self.tone(0.2, rate: rate))
            #expect(JackTestRecorder.wait(timeout: .seconds(10)) { sink.ring.availableToRead == 0 })
            Thread.sleep(forTimeInterval: 0.2)
            try sink.write(Self.tone(0.2, rate: rate))
            try sink.endOfUtterance()
            try sink.finish()
            #expect(sink.underruns == 1, "one gap inside utterance 2, got \(sink.underruns)")
            #expect(sink.playedSeconds > playedBefore + 0.4)
        }
    }
}
