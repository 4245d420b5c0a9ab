import Bark
import Foundation
import Testing
@testable import OmniBark

/// `GenerationModeQuality` on the demo model: exact against itself agrees everywhere with
/// infinite SNR (so the metric can tell), live mode reports every field and saves work, an f16
/// KV cache is measured against the f32 one.
@Suite struct GenerationModeQualityTests {
    static let model: Result<SpeechModel, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-modequality-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try DemoModel.create(at: directory)
        return try SpeechModel(directory: directory)
    }

    @Test func exactAgainstExactIsIdentical() throws {
        let q = try GenerationModeQuality.measure(model: try Self.model.get(), mode: .exact, prompts: ["Hello, my dog is cute."],
                                                  maxSemanticTokens: 60)
        #expect(q.semanticAgreement == 1 && q.coarseAgreement == 1 && q.coarseFreeRunningAgreement == 1 && q.fineAgreement == 1)
        #expect(q.waveformSNR == .infinity && q.fineOnlySNR == .infinity)
        #expect(q.candidateCoarsePrefills == q.exactCoarsePrefills)
        #expect(q.settings == nil)
    }

    @Test func liveReportHasEveryStageAndSavesWork() throws {
        let q = try GenerationModeQuality.measure(model: try Self.model.get(), mode: .live, prompts: ["Hello, my dog is cute."],
                                                  maxSemanticTokens: 200)
        #expect(q.semanticAgreement == 1)  // live mode takes no semantic shortcut
        #expect((0...1).contains(q.coarseAgreement) && (0...1).contains(q.coarseFreeRunningAgreement) && (0...1).contains(q.fineAgreement))
        #expect(!q.waveformSNR.isNaN && q.fineOnlySNR.isFinite)
        #expect(q.exactCoarsePrefills == q.coarseWindows && q.coarseWindows == 10)  // 200 semantic → 600 coarse tokens
        #expect(q.candidateCoarsePrefills < q.exactCoarsePrefills)
        #expect(q.candidateFinePassesPerFrame == 2)
        let lines = q.reportLines
        let keys = lines.compactMap { $0.split(separator: ":").first.map(String.init) }
        #expect(keys == ["mode", "settings", "agreement semantic", "agreement coarse", "agreement coarse free-running", "agreement fine", "waveform snr",
                         "waveform snr fine only", "coarse prefills", "fine passes per frame"])
        #expect(lines[0] == "mode: live vs exact")
        #expect(lines[1].contains("coarse_history 270") && lines[1].contains("fine_chunk 64"))
    }

    @Test func anF16CacheIsMeasuredAgainstTheF32One() throws {
        let q = try GenerationModeQuality.measure(model: try Self.model.get(), mode: .exact, kvCache: .f16,
                                                  prompts: ["Hello, my dog is cute."], maxSemanticTokens: 60)
        #expect(q.kvCache == .f16)
        #expect([q.semanticAgreement, q.coarseAgreement, q.fineAgreement].allSatisfy { (0...1).contains($0) })
        #expect(q.fineAgreement == 1)  // the fine stage has no KV cache
        #expect(q.candidateCoarsePrefills == q.exactCoarsePrefills)
        #expect(q.reportLines[0] == "mode: exact, f16 KV cache vs exact (f32 KV cache)")
        #expect(q.reportLines[2].contains("the semantic GPT's cache is f16 too"))
    }

    @Test func fewerFineCodebooksCountFewerPassesAndTheirOwnRows() throws {
        var settings = LiveGenerationSettings.standard
        settings.fineCodebooks = 4
        let q = try GenerationModeQuality.measure(model: try Self.model.get(), mode: .live, settings: settings,
                                                  prompts: ["Hello, my dog is cute."], maxSemanticTokens: 60)
        #expect(abs(q.candidateFinePassesPerFrame - 2.0 * 2 / 6) < 1e-9)  // 2 of the 6 predicted codebooks
        #expect((0...1).contains(q.fineAgreement) && q.waveformSNR.isFinite)
        #expect(q.reportLines[5].contains("codebooks 0..<4 only"))
    }
}
