import Bark
import Encodec
import Foundation

/// One timed run of the whole pipeline, offline and streaming, as `omnibark bench` reports it.
public struct BenchmarkRun: Sendable {
    public let audioSeconds: Double
    public let semanticTokens: Int
    public let coarseTokens: Int
    public let timings: GenerationTimings
    /// Streaming run (chunked fine, streaming codec): seconds from start to the first PCM samples.
    public let timeToFirstAudio: Double
    /// Streaming run: total seconds.
    public let streamingSeconds: Double
    /// Streaming run: the earliest time after the start at which playback could begin and never
    /// run dry, `max over batches i of (arrival_i − audio before batch i)` — the time to first
    /// audio of a gapless player. Equals `timeToFirstAudio` when every later batch arrives before
    /// it is due.
    public var gaplessStart: Double = 0
    /// Streaming run: seconds spent in the streaming codec (`EncodecStreamingDecoder`), the
    /// decoder live mode runs. `timings.codec` is the offline run's one-shot decode of the whole
    /// utterance, whose first call on a fresh process also pays for faulting in its buffers.
    public var streamingCodecSeconds: Double = 0
    /// Peak resident memory of the process, MiB.
    public let peakMemoryMiB: Double
    /// The mode both runs used, and the live settings (nil in exact mode).
    public var mode: GenerationMode = .exact
    public var liveSettings: LiveGenerationSettings?

    /// The text `omnibark bench` and the router's calibration generate (its length does not bound
    /// the audio: the semantic stage runs for the requested seconds without an early stop).
    public static let text = "Hello, my dog is cute. I need him in my life."

    /// Offline seconds of compute per second of audio.
    public var realTimeFactor: Double { audioSeconds > 0 ? timings.total / audioSeconds : 0 }
    public var streamingRealTimeFactor: Double { audioSeconds > 0 ? streamingSeconds / audioSeconds : 0 }

    /// Runs `model` on `text` producing about `seconds` of audio (semantic tokens fixed to
    /// `seconds × 49.9`, no forced EOS), offline then streaming with `fineMode`. In
    /// `GenerationMode.live` both runs take `live`'s shortcuts (`LiveGeneration` offline, its fine
    /// settings replacing `fineMode` while streaming).
    public static func measure(model: SpeechModel, text: String, voice: VoicePreset?, seconds: Double,
                               seed: UInt64 = 1, fineMode: FineStreamingMode = .lowLatency,
                               mode: GenerationMode = .exact, live: LiveGenerationSettings = .standard) throws -> BenchmarkRun {
        var configuration = model.generator.configuration
        configuration.semantic.maxNewTokens = max(1, Int((seconds * configuration.semantic.rateHz).rounded()))
        configuration.semantic.minEOSProbability = nil
        var timings = GenerationTimings()
        let generation = mode == .live
            ? try LiveGeneration.generate(generator: model.generator, text: text, voice: voice, configuration: configuration, seed: seed,
                                          settings: live, timings: &timings)
            : try model.generator.generate(text: text, voice: voice, configuration: configuration, seed: seed, timings: &timings)
        let audio = try timings.measure(\.codec) { try model.codec.decode(codes: generation.fine) }

        let start = DispatchTime.now().uptimeNanoseconds
        var firstAudio: UInt64?
        var gaplessStart = 0.0, audioBefore = 0.0
        /// A batch of `count` samples arrived now.
        func arrived(_ count: Int, at time: UInt64) {
            guard count > 0 else { return }
            gaplessStart = max(gaplessStart, Double(time - start) / 1e9 - audioBefore)
            audioBefore += Double(count) / Double(model.sampleRate)
        }
        var decoder = model.codec.makeStreamingDecoder()
        var codecNanoseconds: UInt64 = 0
        var streamTimings = GenerationTimings()
        let streamer = mode == .live ? StreamingBarkGenerator(generator: model.generator, live: live)
                                     : StreamingBarkGenerator(generator: model.generator, fineMode: fineMode)
        _ = try streamer
            .run(text: text, voice: voice, configuration: configuration, seed: seed, timings: &streamTimings) { rows in
                let decodeStart = DispatchTime.now().uptimeNanoseconds
                let samples = try decoder.decode(rows)
                let now = DispatchTime.now().uptimeNanoseconds
                codecNanoseconds += now - decodeStart
                if firstAudio == nil && !samples.isEmpty { firstAudio = now }
                arrived(samples.count, at: now)
            }
        let finishStart = DispatchTime.now().uptimeNanoseconds
        let tail = decoder.finish()
        let end = DispatchTime.now().uptimeNanoseconds
        codecNanoseconds += end - finishStart
        if firstAudio == nil && !tail.isEmpty { firstAudio = end }
        arrived(tail.count, at: end)

        var run = BenchmarkRun(audioSeconds: Double(audio.count) / Double(model.sampleRate),
                               semanticTokens: generation.semantic.count, coarseTokens: generation.coarse.count,
                               timings: timings, timeToFirstAudio: Double((firstAudio ?? end) - start) / 1e9,
                               streamingSeconds: Double(end - start) / 1e9, peakMemoryMiB: PeakMemory.mebibytes)
        run.gaplessStart = gaplessStart
        run.streamingCodecSeconds = Double(codecNanoseconds) / 1e9
        run.mode = mode
        run.liveSettings = mode == .live ? live : nil
        return run
    }
}

/// Peak resident set size of this process.
public enum PeakMemory {
    public static var mebibytes: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }
}
