import Bark
import Foundation
import Modalities
@testable import OmniBark
import Tensors
import TestSupport
import Testing

/// The latency router's drop-fusion-layers step with control events, on the shipped OmniBark-tiny
/// adapters: the dropped layers run again inside each event's window (`ControlEventWindows`) and
/// nowhere else, and the semantic stage tells the conditioning which unit each forward pass predicts.
@Suite struct FusionLayerWindowTests {
    let omni: OmniModel

    init() throws {
        let model = OmniTinyAdapterTests.model
        omni = try OmniModel(speech: try SpeechModel(directory: model),
                             adapterFile: model.appendingPathComponent("adapters.safetensors"), clipDirectory: nil)
    }

    /// Each fusion layer applied in turn to one row: what a semantic step does to the residual stream.
    static func applyAll(_ conditioning: inout FusionConditioning, layers: [Int], hidden: [Float]) -> [Float] {
        var out = hidden
        for layer in layers { conditioning.apply(afterLayer: layer, hidden: &out, rows: 1, hiddenSize: hidden.count) }
        return out
    }

    /// With two of the four layers kept and an SFX trigger at 1.0 s (unit 50; the file's hold from unit
    /// 45 for 41 units; 25 units of margin): a step predicting a unit inside 20...110 computes exactly
    /// what all four layers compute, a step outside it exactly what the two kept layers compute, as does
    /// any step before the stage announced a unit. Without control events nothing extra is bound.
    @Test func droppedLayersRunExactlyInsideTheEventsWindow() throws {
        let adapters = try #require(omni.adapters)
        let layers = adapters.layers.keys.sorted()
        try #require(layers.count == 4)
        let trigger = ControlEvent(time: .seconds(1.0), kind: .sfxTrigger)
        let memory = try adapters.memory(ModalityFeatures(controlEvents: [trigger]), routing: ModalityRouting())
        let hidden = (0..<adapters.configuration.hiddenSize).map { Float(sin(Double($0) * 0.7)) * 0.5 }
        var all = FusionConditioning(adapters: adapters, memory: memory)
        var two = FusionConditioning(adapters: adapters, memory: memory, keepingLayers: 2, controlWindowMargin: nil)
        var windowed = FusionConditioning(adapters: adapters, memory: memory, keepingLayers: 2)
        #expect(windowed.runsDroppedLayersNearControlEvents && !two.runsDroppedLayersNearControlEvents)
        #expect(windowed.controlEventWindows(unitsPerSecond: 49.9).ranges == [20...110])

        let full = Self.applyAll(&all, layers: layers, hidden: hidden)
        let kept = Self.applyAll(&two, layers: layers, hidden: hidden)
        #expect(full != kept, "the upper layers change the row")
        #expect(Self.applyAll(&windowed, layers: layers, hidden: hidden) == kept, "no unit announced yet")
        for (unit, expected) in [(19, kept), (20, full), (60, full), (110, full), (111, kept), (0, kept)] {
            windowed.willPredict(unit: unit, unitsPerSecond: 49.9)
            #expect(Self.applyAll(&windowed, layers: layers, hidden: hidden) == expected, "unit \(unit)")
        }
        // A style alone has no events: only the kept layers are bound, and they are all that runs.
        let style = try adapters.memory(ModalityFeatures(textEmbeddings: try omni.encoder.textEmbeddings("[slow]")),
                                        routing: ModalityRouting())
        let plain = FusionConditioning(adapters: adapters, memory: style, keepingLayers: 2)
        #expect(!plain.runsDroppedLayersNearControlEvents)
        #expect(plain.layersRun(overFirst: 200, unitsPerSecond: 49.9) == 2)
        // With the trigger: 2 layers, and the 2 others over the window's 91 of 200 units.
        #expect(abs(windowed.layersRun(overFirst: 200, unitsPerSecond: 49.9) - (2 + 2 * 91.0 / 200)) < 1e-12)
    }

    /// In the engine's audio, with the two lowest of the four fusion layers kept: an SFX trigger at a
    /// held-out sentence's word boundary (the three of `anSFXTriggerPlacesAKnockAtItsSecond`) puts a knock
    /// within 0.3 s of its second (`knockStarts`, the evaluation's detector) in more of them when the two
    /// others run around it than when they are dropped everywhere. The phase-16 adapters: 1 of the 3 with
    /// the windows (a knock at 1.52 s for 1.514; at 2.16 s for 1.779, none for 0.698), 0 without (phase 13:
    /// 3 and fewer than 3); over 50 held-out sentences `adapter_eval --fusion-layers 2` places it 82 % of
    /// the time, all four layers 86 %.
    @Test func twoFusionLayersStillPlaceAKnockAtTheTrigger() throws {
        let adapters = try #require(omni.adapters)
        let triggers = OmniTinyAdapterTests.sfxTriggers
        var options = SpeechOptions()
        options.seed = 1
        func knocked(_ margin: Double?) throws -> [Bool] {
            try triggers.map { sentence, second in
                let memory = try adapters.memory(ModalityFeatures(controlEvents: [ControlEvent(time: .seconds(second), kind: .sfxTrigger)]),
                                                 routing: ModalityRouting())
                let conditioning = FusionConditioning(adapters: adapters, memory: memory, keepingLayers: 2, controlWindowMargin: margin)
                let audio = try omni.speech.speak(sentence, options: options, conditioning: conditioning, allowsEmptyText: false,
                                                  progress: nil).audio
                let starts = OmniTinyAdapterTests.knockStarts(audio)
                print("fusion layers 2, \(margin.map { "windows of \($0) s" } ?? "dropped everywhere"): knocks at \(starts) s, trigger at \(second) s")
                return starts.contains { abs($0 - second) <= 0.3 }
            }
        }
        let windowed = try knocked(ControlEventWindows.defaultMargin), everywhere = try knocked(nil)
        #expect(windowed.filter { $0 }.count > everywhere.filter { $0 }.count,
                "knock at the trigger, per sentence: with the windows \(windowed), dropped everywhere \(everywhere)")
    }

    /// The semantic stage announces unit 0 before the prefill and unit k before the step that predicts
    /// it, at the configuration's rate, for every unit it generates.
    @Test func theSemanticStageAnnouncesEachUnitItPredicts() throws {
        let generator = omni.speech.generator
        let log = UnitLog()
        var stream = SemanticStream(model: generator.models.semantic, textTokens: generator.tokenizer.encode("Hello there."),
                                    history: nil, configuration: generator.configuration, generator: SeededRandomGenerator(seed: 1),
                                    conditioning: RecordingConditioning(log: log))
        while try stream.step() != nil {}
        #expect(!stream.tokens.isEmpty)
        #expect(log.units == Array(0..<stream.tokens.count), "announced \(log.units) for \(stream.tokens.count) tokens")
        #expect(log.rates.allSatisfy { $0 == generator.configuration.semantic.rateHz })
    }

    /// The router's prediction prices the dropped layers over the window share, and not at all once the
    /// control events are skipped.
    @Test func theRouterPricesTheWindows() {
        var c = RouterCapabilities()
        c.inputs = [.init(modality: .text, priority: 1, required: false), .init(modality: .control, priority: 0, required: false)]
        c.fusionLayers = 4
        c.controlWindowShare = 0.25
        var plan = RouterPlan()
        #expect(Router.fusionLayersRun(plan, c) == 4)
        plan.fusionLayersKept = 2
        #expect(Router.fusionLayersRun(plan, c) == 2.5)
        plan.skippedModalities = [.control]
        #expect(Router.fusionLayersRun(plan, c) == 2)
        let router = Router(budget: EnginePreset.Latency(targetFirstAudio: 10, maxLag: 0.25, minLead: 0.2),
                            costs: CostModel(estimates: [.semanticStep: 0.004, .fusionLayerStep: 0.001, .coarseToken: 0.002]))
        var kept = RouterPlan()
        kept.fusionLayersKept = 2
        let difference = (router.predictedRealTimeFactor(RouterPlan(), c) ?? 0) - (router.predictedRealTimeFactor(kept, c) ?? 0)
        #expect(abs(difference - 49.9 * 1.5 * 0.001) < 1e-9, "dropping 2 of 4 layers saves 1.5 layers per step")
    }
}

/// What `RecordingConditioning` was told, shared with the test that reads it.
///
/// Thread safety: every access goes through `lock`.
private final class UnitLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storedUnits: [Int] = []
    private var storedRates: [Double] = []
    var units: [Int] { lock.withLock { storedUnits } }
    var rates: [Double] { lock.withLock { storedRates } }
    func record(_ unit: Int, _ rate: Double) { lock.withLock { storedUnits.append(unit); storedRates.append(rate) } }
}

/// A conditioning that changes nothing and records the units it is told about.
private struct RecordingConditioning: LayerConditioning {
    let log: UnitLog
    mutating func apply(afterLayer layer: Int, hidden: inout [Float], rows: Int, hiddenSize: Int) {}
    mutating func willPredict(unit: Int, unitsPerSecond: Double) { log.record(unit, unitsPerSecond) }
}
