import Audio
import Bark
import Foundation
import Streaming
import Watermark

/// Streams one generation into a sink: streaming Bark generation → stateful EnCodec decoder →
/// watermark embedder (when `watermark` is set; one per utterance, flushed at its end) →
/// resampler → sink. Shared by `LiveEngine` and `ServeEngine`, which keep their own queues and
/// statistics through the callbacks.
///
/// Thread safety: runs on the calling (generation) thread; the callbacks are called on it.
enum UtteranceStreamer {
    /// - Parameters:
    ///   - audio: called with the number of 24 kHz samples of each batch, before it is handed to
    ///     the sink.
    ///   - compute: called with seconds of computation (generation, decoding, resampling); time spent
    ///     waiting for room in the sink is not counted.
    ///   - afterChunk: called after each chunk reached the sink; throwing stops the utterance there
    ///     (the error is rethrown).
    static func stream(model: SpeechModel, fineMode: FineStreamingMode, text: String, voice: VoicePreset?,
                       configuration: BarkGenerationConfiguration, seed: UInt64, resampler: StreamingResampler,
                       sink: any AudioSink, watermark: WatermarkSettings? = nil, audio: (Int) -> Void, compute: (Double) -> Void,
                       afterChunk: () throws -> Void = {}) throws -> BarkGeneration {
        var decoder = model.codec.makeStreamingDecoder()
        var timings = GenerationTimings()
        var computeStart = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - computeStart) / 1e9 }
        let embedder = watermark.map(WatermarkEmbedder.init)
        func deliver(_ decoded: [Float], last: Bool = false) throws {
            var samples = embedder?.process(decoded) ?? decoded
            if last, let embedder { samples += embedder.finish() }
            guard !samples.isEmpty else { return }
            let resampled = try resampler.process(samples)
            compute(elapsed())
            audio(samples.count)
            if !resampled.isEmpty { try sink.write(resampled) }  // may wait for room in the sink
            computeStart = DispatchTime.now().uptimeNanoseconds
            try afterChunk()
        }
        let generation = try StreamingBarkGenerator(generator: model.generator, fineMode: fineMode)
            .run(text: text, voice: voice, configuration: configuration, seed: seed, timings: &timings) { rows in
                try deliver(try decoder.decode(rows))
            }
        try deliver(decoder.finish(), last: true)
        compute(elapsed())
        return generation
    }
}
