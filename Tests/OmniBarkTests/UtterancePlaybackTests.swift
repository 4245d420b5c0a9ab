import Testing
@testable import OmniBark

/// What one utterance's playback counts as a deadline.
@Suite struct UtterancePlaybackTests {
    @Test func onlyBatchesWithAudioHaveADeadline() throws {
        let sink = CountingSink()
        var playback = UtterancePlayback(sink: sink, gate: nil, sampleRate: 24_000)
        #expect(try playback.add(Array(repeating: 0.1, count: 2_400), remainingSeconds: 1, realTimeFactor: nil, complete: false))
        // An empty batch (a codec tail with nothing left) plays nothing: no deadline, no slack.
        #expect(try !playback.add([], remainingSeconds: 0, realTimeFactor: nil, complete: false))
        #expect(playback.chunksDue == 0 && playback.minimumSlack == nil)
        // A batch with audio, written at once while the first 0.1 s still plays: due, on time.
        #expect(try !playback.add(Array(repeating: 0.1, count: 240), remainingSeconds: 0, realTimeFactor: nil, complete: true))
        #expect(playback.chunksDue == 1 && playback.chunksLate == 0)
        #expect((playback.minimumSlack ?? 0) > 0 && (playback.minimumSlack ?? 1) <= 0.1)
        #expect(sink.writes == [2_400, 240])
    }
}
