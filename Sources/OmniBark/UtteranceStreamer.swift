import Audio
import Bark
import Encodec
import Foundation
import Watermark

/// Streams one generation: streaming Bark generation (conditioned when `conditioning` is set)
/// → stateful EnCodec decoder → watermark embedder (when `watermark` is set; one per call,
/// flushed at its end) → `deliver`, at the model's rate. Used by `StreamingEngine` for every
/// segment of every utterance.
///
/// Thread safety: runs on the calling (generation) thread; the callbacks are called on it.
enum UtteranceStreamer {
    /// - Parameters:
    ///   - observe: before each scheduling decision (see `StreamingBarkGenerator.run`).
    ///   - deliver: each batch of final samples (model rate, mono), in order; the last batch
    ///     carries `last == true` (it may be empty).
    static func stream(model: SpeechModel, fineMode: FineStreamingMode, coarseLive: LiveCoarseSettings? = nil, fineCodebooks: Int? = nil,
                       fineFirstChunk: Int? = nil, text: String, voice: VoicePreset?,
                       configuration: BarkGenerationConfiguration, seed: UInt64, watermark: WatermarkSettings?,
                       conditioning: (any LayerConditioning)?,
                       timings: inout GenerationTimings,
                       observe: ((StreamingGenerationState) throws -> ConditioningUpdate)?,
                       deliver: (_ samples: [Float], _ last: Bool) throws -> Void) throws -> BarkGeneration {
        var decoder = model.codec.makeStreamingDecoder()
        var codecSeconds: Double = 0
        let embedder = watermark.map(WatermarkEmbedder.init)
        let generation = try StreamingBarkGenerator(generator: model.generator, fineMode: fineMode, coarseLive: coarseLive,
                                                        fineCodebooks: fineCodebooks, fineFirstChunk: fineFirstChunk)
            .run(text: text, voice: voice, configuration: configuration, seed: seed, timings: &timings,
                 conditioning: conditioning, observe: observe) { rows in
                let start = DispatchTime.now().uptimeNanoseconds
                let decoded = try decoder.decode(rows)
                codecSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let samples = embedder?.process(decoded) ?? decoded
                if !samples.isEmpty { try deliver(samples, false) }
            }
        let start = DispatchTime.now().uptimeNanoseconds
        var tail = decoder.finish()
        codecSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        timings.codec += codecSeconds
        if let embedder { tail = embedder.process(tail) + embedder.finish() }
        try deliver(tail, true)
        return generation
    }
}
