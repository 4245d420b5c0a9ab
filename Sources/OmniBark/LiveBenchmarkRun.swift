import Bark
import Foundation
import Streaming

/// A live run into JACK for a given length of audio: time to first audio, real-time factor,
/// underruns and xruns, as the engine reports them.
public enum LiveBenchmarkRun {
    /// Speaks sentences in a loop into JACK server `server` until at least `seconds` of audio were
    /// produced, then waits for playback to finish.
    public static func measure(model: SpeechModel, voice: VoicePreset?, seconds: Double, server: String?,
                               fineMode: FineStreamingMode = .lowLatency) throws -> EngineStatistics {
        let sink = try JackAudioSink(configuration: JackSink.Configuration(clientName: "omnibark-bench", serverName: server))
        defer { sink.cancel() }
        var configuration = EngineConfiguration()
        configuration.speech.voice = voice
        configuration.speech.seed = 1
        configuration.speech.minEOSProbability = nil
        configuration.speech.maxSemanticTokens = 250  // ≈ 5 s per utterance
        configuration.fineMode = fineMode
        let engine = try StreamingEngine(model: model, sink: sink, configuration: configuration,
                                         sinkCounters: { (sink.underruns, sink.jack.xruns) })
        engine.start()
        let sentences = ["Hello, my dog is cute.", "This is a live benchmark of the engine.", "The quick brown fox jumps over the lazy dog."]
        var queued = 0
        // Keep about two utterances queued ahead; stop queueing once enough audio is on its way.
        while engine.statistics.audioSeconds + 5 * Double(queued - engine.statistics.utterances) < seconds {
            if queued - engine.statistics.utterances < 2 {
                try engine.say(sentences[queued % sentences.count])
                queued += 1
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        return try engine.finish()
    }
}
