import Bark
import Foundation
import Tensors
import Testing
@testable import OmniBark
import TestSupport

/// The router's lighter-weights step: the same model in a lighter weight format, spoken with from the next
/// utterance start once the steps before it are not enough.
@Suite struct RouterLighterWeightsTests {
    static let directory = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled")

    static func load(_ format: WeightFormat) throws -> SpeechModel {
        try SpeechModel(directory: directory, weightFormat: format, useWeightCache: false)
    }

    /// A profile that says one semantic step takes a second: no plan holds, so every available
    /// step is taken at the first utterance start.
    static let hopeless = #"{"costs": {"semantic_step": 1, "coarse_token": 0.5, "fine_frame": 1, "codec_frame": 0.1}}"#

    /// Speaks one sentence through an engine with the router on; returns the samples, the
    /// request's status and the statistics.
    static func speak(_ speech: SpeechModel, lighter: LighterWeights?) throws -> ([Float], EngineRequestStatus, EngineStatistics) {
        let sink = CountingSink(sampleRate: speech.sampleRate)
        var configuration = EngineConfiguration()
        configuration.speech.greedy = true
        configuration.speech.maxSemanticTokens = 24
        configuration.gapless = nil
        configuration.router = RouterSettings(budget: EnginePreset.Latency(targetFirstAudio: 1, maxLag: 0.25, minLead: 0.2),
                                              costs: try CostProfile.parse(Data(hopeless.utf8), file: "profile.json"), lighter: lighter)
        let engine = try StreamingEngine(model: speech, sink: sink, configuration: configuration)
        engine.start()
        let id = try engine.say(EngineRequest(text: "Hello there, how are you?")).id
        let statistics = try engine.finish()
        return (sink.samples, try #require(engine.status(of: id)), statistics)
    }

    @Test func theNextUtteranceIsSpokenWithTheLighterWeights() throws {
        let f32 = try Self.load(.f32), int8 = try Self.load(.int8)
        let lighter = try LighterWeights(speech: int8, relativeCost: 0.5)
        let (samples, status, statistics) = try Self.speak(f32, lighter: lighter)
        #expect(status.state == .done)
        #expect(status.weights == .int8, "spoken with \(status.weights.map(\.rawValue) ?? "nil")")
        #expect(statistics.routerDecisions["lighter-weights apply"] == 1, "\(statistics.routerDecisions)")
        #expect(statistics.routerPlan?.hasSuffix("lighter weights (int8)") == true, "\(statistics.routerPlan ?? "nil")")

        // The same plan without the last step, on the int8 model itself, gives the same audio;
        // on the f32 model (without a lighter format) it does not.
        let (direct, directStatus, directStatistics) = try Self.speak(int8, lighter: nil)
        #expect(directStatus.weights == .int8 && directStatistics.routerDecisions["lighter-weights apply"] == nil)
        #expect(!samples.isEmpty && samples == direct, "\(samples.count) samples against \(direct.count)")
        let (plain, plainStatus, _) = try Self.speak(f32, lighter: nil)
        #expect(plainStatus.weights == .f32)
        #expect(plain != samples, "f32 and int8 weights gave identical audio: the comparison above proves nothing")
    }

    @Test func withoutTheStepTheLoadedWeightsSpeak() throws {
        let f32 = try Self.load(.f32)
        let lighter = try LighterWeights(speech: try Self.load(.q4), relativeCost: 0.5)
        var configuration = EngineConfiguration()
        configuration.speech.maxSemanticTokens = 8
        // A quick machine: nothing is applied, the f32 weights speak.
        configuration.router = RouterSettings(budget: EnginePreset.Latency(targetFirstAudio: 10, maxLag: 0.25, minLead: 0.2),
                                              costs: CostModel(estimates: [.semanticStep: 1e-5, .coarseToken: 1e-5]), lighter: lighter)
        let engine = try StreamingEngine(model: f32, sink: CountingSink(sampleRate: f32.sampleRate), configuration: configuration)
        engine.start()
        let id = try engine.say(EngineRequest(text: "Hello.")).id
        let statistics = try engine.finish()
        #expect(engine.status(of: id)?.weights == .f32)
        #expect(statistics.routerPlan == "full", "\(statistics.routerPlan ?? "nil")")
    }

    @Test func measureRefusesAHeavierFormatAndAnotherModel() throws {
        let int8 = try Self.load(.int8)
        #expect(throws: LighterWeightsError.notLighter(lighter: .f32, loaded: .int8)) {
            try LighterWeights.measure(primary: int8, lighter: try Self.load(.f32))
        }
        let other = try SpeechModel(directory: FixturePaths.fixtures.appendingPathComponent("bark-gen-real"), weightFormat: .q4,
                                    useWeightCache: false)
        do {
            _ = try LighterWeights.measure(primary: int8, lighter: other)
            Issue.record("another model's weights were taken as lighter weights")
        } catch let error as LighterWeightsError {
            #expect(error.description.contains("not the same model") && error.description.contains("semantic stage"), "\(error)")
        }
        let measured = try LighterWeights.measure(primary: int8, lighter: try Self.load(.q4), steps: 4)
        #expect(measured.format == .q4 && measured.relativeCost > 0 && measured.relativeCost.isFinite)
    }
}
