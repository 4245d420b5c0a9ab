import Bark
import Foundation
import Modalities
import Tensors

/// `omnibark bench --calibrate FILE`: this machine's cost per unit of every router component,
/// from a timed run of the stages plus timed runs of the fusion block and each encoder on the
/// model's shapes (random adapters and a CLIP ViT-B/32 tower, `OmniModel.synthetic`).
public enum CostCalibration {
    /// - Parameter run: the bench's offline run (its stage timings and token counts).
    public static func measure(model: SpeechModel, voice: VoicePreset?, run: BenchmarkRun, repetitions: Int = 5) throws -> CostModel {
        var costs = CostModel(smoothing: 1)
        let frames = Double(run.coarseTokens / max(1, model.generator.configuration.coarse.codebooks))
        costs.observe(.semanticStep, seconds: run.timings.semantic, units: Double(run.semanticTokens))
        costs.observe(.coarseToken, seconds: run.timings.coarse, units: Double(run.coarseTokens))
        costs.observe(.fineFrame, seconds: run.timings.fine, units: frames)
        costs.observe(.codecFrame, seconds: run.timings.codec, units: frames)
        // The live mode's rolling coarse stage, for the router's rolling-coarse step.
        let rolling = try BenchmarkRun.measure(model: model, text: "Hello, my dog is cute. I need him in my life.", voice: voice,
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
        var conditioning = FusionConditioning(adapters: adapters, memory: memory, keepingLayers: 1)
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
