import Bark
import Checkpoints
import Foundation
import Tensors

/// The router's lighter-weights step (next to last, before coarse-only): the same model loaded a
/// second time in a lighter weight format (`--lighter-weights q4` beside `--weights int8`), which
/// the engine speaks with from the next utterance start while the step is applied.
///
/// `relativeCost` is what the router multiplies the semantic and coarse stages' part of its
/// prediction by: the lighter model's time for the same decoding work over the loaded model's,
/// measured once when it is made (`measure`). The cost model keeps the loaded format's costs: what
/// those stages of an utterance on the lighter weights measured is divided by `relativeCost` before
/// it is folded in.
///
/// Immutable and `Sendable` (the models are).
public struct LighterWeights: Sendable {
    /// The lighter model (same checkpoint, same shapes, `format`).
    public let speech: SpeechModel
    /// Its decoding time over the loaded model's (0 < relativeCost; below 1 when it is faster).
    public let relativeCost: Double
    /// Seconds `measure` took (0 when the cost was given).
    public let measurementSeconds: Double
    /// The lighter model's weight format.
    public var format: WeightFormat { speech.generator.models.weightFormat }

    /// - Throws: `LighterWeightsError` when `relativeCost` is not a positive number.
    public init(speech: SpeechModel, relativeCost: Double, measurementSeconds: Double = 0) throws {
        guard relativeCost.isFinite, relativeCost > 0 else { throw LighterWeightsError.badRelativeCost(relativeCost) }
        self.speech = speech
        self.relativeCost = relativeCost
        self.measurementSeconds = measurementSeconds
    }

    /// Throws `LighterWeightsError.notLighter` unless `format` stores fewer bytes per weight than
    /// `loaded` (callers check before loading the second model).
    public static func check(_ format: WeightFormat, isLighterThan loaded: WeightFormat) throws {
        guard format.bytesPerWeight < loaded.bytesPerWeight else { throw LighterWeightsError.notLighter(lighter: format, loaded: loaded) }
    }

    /// Checks that `lighter` can stand in for `primary` and times both: the semantic and coarse
    /// GPTs each decode `steps` single tokens after a 64-position prefill (only the decoding is
    /// timed: the live engine's work per audio second is mostly such steps, and a quantized
    /// model's prefill runs the same int8 GEMM in either format), the fastest of `rounds` rounds
    /// per model, alternating which goes first. On bark-small shapes with 2 threads a step takes
    /// 1.5–4 ms, so the defaults take about 1–3 s (2.5–2.8 s on a slow guest); the median of three
    /// rounds of 24 steps had given ratios from 0.91 to 1.10 for the same pair.
    ///
    /// - Throws: `LighterWeightsError` when the lighter format is not lighter than the loaded
    ///   one, or a stage's shape, vocabulary or sample rate differs.
    public static func measure(primary: SpeechModel, lighter: SpeechModel, steps: Int = 32, rounds: Int = 5) throws -> LighterWeights {
        let loaded = primary.generator.models, light = lighter.generator.models
        try check(light.weightFormat, isLighterThan: loaded.weightFormat)
        let pairs: [(String, BarkTransformerConfiguration, BarkTransformerConfiguration)] = [
            ("semantic", loaded.semantic.configuration, light.semantic.configuration),
            ("coarse", loaded.coarse.configuration, light.coarse.configuration),
            ("fine", loaded.fine.configuration, light.fine.configuration),
        ]
        for (stage, a, b) in pairs where a != b {
            throw LighterWeightsError.differentModel(reason: "its \(stage) stage is \(b.layers) layers × \(b.hiddenSize) wide with "
                                                     + "\(b.inputVocabularySize) input tokens, the loaded one's \(a.layers) × \(a.hiddenSize) with \(a.inputVocabularySize)")
        }
        guard primary.sampleRate == lighter.sampleRate else {
            throw LighterWeightsError.differentModel(reason: "it speaks at \(lighter.sampleRate) Hz, the loaded model at \(primary.sampleRate) Hz")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var lightTimes: [Double] = [], loadedTimes: [Double] = []
        for round in 0..<max(1, rounds) {
            if round % 2 == 0 {
                lightTimes.append(try decodeSeconds(light, steps: steps))
                loadedTimes.append(try decodeSeconds(loaded, steps: steps))
            } else {
                loadedTimes.append(try decodeSeconds(loaded, steps: steps))
                lightTimes.append(try decodeSeconds(light, steps: steps))
            }
        }
        // The fastest round of each: interference (another thread, the other core's work) only
        // ever adds time, so the minimum is the steadiest estimate of what each format costs.
        let ratio = (lightTimes.min() ?? 0) / max(1e-9, loadedTimes.min() ?? 0)
        return try LighterWeights(speech: lighter, relativeCost: ratio,
                                  measurementSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// One line for the log: "lighter weights q4 loaded for the router: 0.86 times the decoding
    /// time of int8 (measured in 2.1 s)".
    public func summary(against loaded: WeightFormat) -> String {
        String(format: "lighter weights %@ loaded for the router: %.2f times the decoding time of %@ (measured in %.1f s)%@\n",
               format.rawValue, relativeCost, loaded.rawValue, measurementSeconds,
               relativeCost < 1 ? "" : "; no faster here, so the router will not use them")
    }

    /// Seconds for the semantic and coarse GPTs to decode `steps` tokens after a 64-position
    /// prefill (not timed).
    private static func decodeSeconds(_ models: BarkModels, steps: Int) throws -> Double {
        var total = 0.0
        for model in [models.semantic, models.coarse] {
            var cache = model.makeCache()
            var workspace = TransformerWorkspace()
            let vocabulary = model.configuration.inputVocabularySize
            let prefill = (0..<min(64, model.configuration.blockSize / 2)).map { ($0 * 7919) % vocabulary }
            try model.forward(tokens: prefill, cache: &cache, workspace: &workspace, lastPositionOnly: true)
            let start = DispatchTime.now().uptimeNanoseconds
            for step in 0..<min(steps, model.configuration.blockSize / 2) {
                try model.forward(tokens: [(step * 104_729) % vocabulary], cache: &cache, workspace: &workspace, lastPositionOnly: true)
            }
            total += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        return total
    }
}

/// Why a lighter weight format cannot be used.
public enum LighterWeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    case notLighter(lighter: WeightFormat, loaded: WeightFormat)
    case differentModel(reason: String)
    case badRelativeCost(Double)

    public var description: String {
        switch self {
        case let .notLighter(lighter, loaded):
            return "--lighter-weights \(lighter.rawValue) is not lighter than the loaded \(loaded.rawValue) weights "
                + "(lighter to heavier: q4, int8, bf16, f32)"
        case let .differentModel(reason):
            return "the lighter weights are not the same model: \(reason)"
        case let .badRelativeCost(value):
            return "the lighter weights' relative cost must be a positive number, not \(value)"
        }
    }
}
