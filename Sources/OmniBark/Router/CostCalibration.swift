import Bark
import Foundation
import Modalities
import Tensors

/// `omnibark bench --calibrate FILE`: this machine's cost per unit of every router component,
/// from a timed run of the stages plus timed runs of the fusion block and each encoder on the
/// model's shapes (random adapters and a CLIP ViT-B/32 tower, `OmniModel.synthetic`).
public enum CostCalibration {
    /// Seconds of audio the stages' per-unit costs are measured over: an utterance as long as the
    /// live engine's (sentences of at most 250 semantic tokens), so that each stage's one-off
    /// prefills are spread over as many steps as in use. Calibrating on the 1 s run the README once
    /// suggested spread them over a fifth of that: on bark-small shapes it wrote a semantic step of
    /// 8.7 ms against 1.3 ms measured per step, and the router, believing generation slower than
    /// real time, skipped every optional modality on a quiet machine that kept up without it.
    public static let utteranceSeconds = 5.12

    /// - Parameter run: the bench's offline run (its stage timings and token counts); when it made
    ///   less than 90 % of `utteranceSeconds` of audio, the stages are timed again on an utterance
    ///   of that length, in the same mode.
    public static func measure(model: SpeechModel, voice: VoicePreset?, run given: BenchmarkRun, repetitions: Int = 5) throws -> CostModel {
        let run = try stageRun(model: model, voice: voice, given: given)
        var costs = CostModel(smoothing: 1)
        let frames = Double(run.coarseTokens / max(1, model.generator.configuration.coarse.codebooks))
        costs.observe(.semanticStep, seconds: run.timings.semantic, units: Double(run.semanticTokens))
        costs.observe(.coarseToken, seconds: run.timings.coarse, units: Double(run.coarseTokens))
        costs.observe(.fineFrame, seconds: run.timings.fine, units: frames)
        costs.observe(.codecFrame, seconds: run.timings.codec, units: frames)
        // The live mode's rolling coarse stage, for the router's rolling-coarse step.
        let rolling = try BenchmarkRun.measure(model: model, text: BenchmarkRun.text, voice: voice,
                                               seconds: run.audioSeconds, mode: .live)
        costs.observe(.coarseTokenRolling, seconds: rolling.timings.coarse, units: Double(rolling.coarseTokens))

        let omni = try OmniModel.synthetic(speech: model)
        guard let adapters = omni.adapters else { return costs }
        let audio = (0..<(5 * ModalityBundle.sampleRate)).map { Float(sin(Double($0) * 0.0576)) * 0.3 }
        let size = omni.vision?.configuration.imageSize ?? 224
        let image = Tensor(shape: [3, size, size], scalars: (0..<(3 * size * size)).map { Float(sin(Double($0) * 0.001)) })
        let events = (0..<5).map { ControlEvent(time: .seconds(Double($0)), kind: .beatMarker) }
        let bundle = try ModalityBundle(text: "Hello.", styleInstruction: "[calm]", referenceAudio: audio, image: image, controlEvents: events)
        var features = ModalityFeatures()
        for modality in Modality.allCases {
            let one = try time(repetitions: modality == .image || modality == .audio ? 2 : repetitions) {
                try omni.encoder.features(for: bundle, modalities: [modality])
            }
            costs.observe(.encoder(modality), seconds: one.seconds)
            switch modality {
            case .text: features.textEmbeddings = one.value.textEmbeddings
            case .audio: features.audioFeatures = one.value.audioFeatures
            case .image: features.imagePooled = one.value.imagePooled; features.imageHidden = one.value.imageHidden
            case .control: features.controlEvents = one.value.controlEvents
            }
        }
        // One fusion layer during one semantic step: a single row through the cross-attention.
        let memory = try adapters.memory(features)
        var conditioning = FusionConditioning(adapters: adapters, memory: memory, keepingLayers: 1, controlWindowMargin: nil)
        let hiddenSize = adapters.configuration.hiddenSize
        var hidden = (0..<hiddenSize).map { Float(sin(Double($0))) * 0.1 }
        let layer = adapters.layers.keys.sorted().first ?? 0
        let steps = 200
        let step = try time(repetitions: 1) { () -> Int in
            for _ in 0..<steps { conditioning.apply(afterLayer: layer, hidden: &hidden, rows: 1, hiddenSize: hiddenSize) }
            return steps
        }
        costs.observe(.fusionLayerStep, seconds: step.seconds, units: Double(steps))
        return costs
    }

    /// The run the stages' costs come from: `given` when it is about an utterance long, else a new
    /// one of `utteranceSeconds` in the same mode and live settings.
    static func stageRun(model: SpeechModel, voice: VoicePreset?, given: BenchmarkRun) throws -> BenchmarkRun {
        guard given.audioSeconds < 0.9 * utteranceSeconds else { return given }
        return try BenchmarkRun.measure(model: model, text: BenchmarkRun.text, voice: voice,
                                        seconds: utteranceSeconds, mode: given.mode, live: given.liveSettings ?? .standard)
    }

    /// Runs `body` `repetitions` times; returns the last value and the median seconds.
    private static func time<T>(repetitions: Int, _ body: () throws -> T) throws -> (value: T, seconds: Double) {
        var times: [Double] = []
        var value: T?
        for _ in 0..<max(1, repetitions) {
            let start = DispatchTime.now().uptimeNanoseconds
            value = try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        guard let value else { throw CostProfileError(file: "<calibration>", reason: "nothing was measured") }
        return (value, times.sorted()[times.count / 2])
    }
}
