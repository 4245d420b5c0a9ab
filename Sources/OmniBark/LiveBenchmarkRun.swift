import Bark
import Foundation
import Streaming

/// A live run into JACK for a given length of audio: time to first audio, real-time factor,
/// underruns and xruns, as the engine reports them (`LiveEngineBenchmark` without events or
/// reference audio).
public enum LiveBenchmarkRun {
    /// Speaks sentences in a loop into JACK server `server` (nil: a private `jackd -d dummy`)
    /// until at least `seconds` of audio were produced, then waits for playback to finish.
    public static func measure(model: SpeechModel, voice: VoicePreset?, seconds: Double, server: String?,
                               fineMode: FineStreamingMode = .lowLatency) throws -> EngineStatistics {
        var settings = LiveEngineBenchmarkSettings(seconds: seconds, server: server)
        settings.fineMode = fineMode
        return try LiveEngineBenchmark.measure(model: model, voice: voice, settings: settings).statistics
    }
}
