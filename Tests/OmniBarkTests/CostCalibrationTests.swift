import Foundation
import Testing
@testable import OmniBark
import TestSupport

/// The cost profile's stage costs come from an utterance-long run, whatever `--seconds` the bench
/// was given: a 1 s run spreads each stage's one-off prefills over a fifth of the steps.
@Suite struct CostCalibrationTests {
    @Test func aShortBenchRunIsReplacedByAnUtteranceLongOne() throws {
        let directory = try FixturePaths.temporaryDirectory("calibration")
        defer { try? FileManager.default.removeItem(at: directory) }
        try DemoModel.create(at: directory)
        let model = try SpeechModel(directory: directory)
        let voice = try model.voice(DemoModel.voiceName)
        let short = try BenchmarkRun.measure(model: model, text: "Hi.", voice: voice, seconds: 1, mode: .live)
        let used = try CostCalibration.stageRun(model: model, voice: voice, given: short)
        #expect(short.audioSeconds < 2)
        #expect(used.audioSeconds >= 0.9 * CostCalibration.utteranceSeconds, "\(used.audioSeconds) s")
        #expect(used.mode == .live)
        // A run that is already an utterance long is taken as it is.
        let again = try CostCalibration.stageRun(model: model, voice: voice, given: used)
        #expect(again.audioSeconds == used.audioSeconds && again.timings.total == used.timings.total)
    }
}
