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
    /// Peak resident memory of the process, MiB.
    public let peakMemoryMiB: Double

    /// Offline seconds of compute per second of audio.
    public var realTimeFactor: Double { audioSeconds > 0 ? timings.total / audioSeconds : 0 }
    public var streamingRealTimeFactor: Double { audioSeconds > 0 ? streamingSeconds / audioSeconds : 0 }

    /// Runs `model` on `text` producing about `seconds` of audio (semantic tokens fixed to
    /// `seconds × 49.9`, no forced EOS), offline then streaming with `fineMode`.
    public static func measure(model: SpeechModel, text: String, voice: VoicePreset?, seconds: Double,
                               seed: UInt64 = 1, fineMode: FineStreamingMode = .lowLatency) throws -> BenchmarkRun {
        var configuration = model.generator.configuration
        configuration.semantic.maxNewTokens = max(1, Int((seconds * configuration.semantic.rateHz).rounded()))
        configuration.semantic.minEOSProbability = nil
        var timings = GenerationTimings()
        let generation = try model.generator.generate(text: text, voice: voice, configuration: configuration, seed: seed, timings: &timings)
        let audio = try timings.measure(\.codec) { try model.codec.decode(codes: generation.fine) }

        let start = DispatchTime.now().uptimeNanoseconds
        var firstAudio: UInt64?
        var decoder = model.codec.makeStreamingDecoder()
        var streamTimings = GenerationTimings()
        _ = try StreamingBarkGenerator(generator: model.generator, fineMode: fineMode)
            .run(text: text, voice: voice, configuration: configuration, seed: seed, timings: &streamTimings) { rows in
                let samples = try decoder.decode(rows)
                if firstAudio == nil && !samples.isEmpty { firstAudio = DispatchTime.now().uptimeNanoseconds }
            }
        let tail = decoder.finish()
        let end = DispatchTime.now().uptimeNanoseconds
        if firstAudio == nil && !tail.isEmpty { firstAudio = end }

        return BenchmarkRun(audioSeconds: Double(audio.count) / Double(model.sampleRate),
                            semanticTokens: generation.semantic.count, coarseTokens: generation.coarse.count,
                            timings: timings, timeToFirstAudio: Double((firstAudio ?? end) - start) / 1e9,
                            streamingSeconds: Double(end - start) / 1e9, peakMemoryMiB: PeakMemory.mebibytes)
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
