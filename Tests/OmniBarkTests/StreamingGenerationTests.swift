import Bark
import Encodec
import Foundation
import Testing
@testable import OmniBark
import TestSupport

/// Streaming generation against offline generation on the same model, text, voice and seed.
@Suite struct StreamingGenerationTests {
    static let cases: [(String, String?, Bool)] = [
        ("bark-gen-scaled", nil, true), ("bark-gen-scaled", "v2/test_speaker_0", true),
        ("bark-gen-scaled", "v2/test_speaker_0", false), ("bark-gen-real", "v2/en_speaker_6", true),
    ]

    private func setup(_ fixture: String, _ voiceName: String?, greedy: Bool) throws -> (SpeechModel, VoicePreset?, BarkGenerationConfiguration) {
        let model = try SpeechModel(directory: FixturePaths.fixtures.appendingPathComponent(fixture))
        var options = SpeechOptions()
        if greedy { options.greedy = true } else { options.semanticTemperature = 0.7; options.coarseTemperature = 0.7; options.fineTemperature = 0.5 }
        options.maxSemanticTokens = 40
        return (model, try voiceName.map { try model.voice($0) }, options.apply(to: model.generator.configuration))
    }

    @Test(arguments: cases)
    func exactModeEqualsOfflineGeneration(fixture: String, voiceName: String?, greedy: Bool) throws {
        let (model, voice, configuration) = try setup(fixture, voiceName, greedy: greedy)
        let text = "Hello, my dog is cute."
        let offline = try model.generator.generate(text: text, voice: voice, configuration: configuration, seed: 11)
        var timings = GenerationTimings()
        var emitted: [[Int]] = Array(repeating: [], count: offline.fine.count)
        let streamed = try StreamingBarkGenerator(generator: model.generator, fineMode: .exact)
            .run(text: text, voice: voice, configuration: configuration, seed: 11, timings: &timings) { rows in
                for k in rows.indices { emitted[k] += rows[k] }
            }
        #expect(streamed == offline)
        #expect(emitted == offline.fine)
    }

    @Test(arguments: cases)
    func chunkedModeKeepsSemanticAndCoarseAndReportsFineAgreement(fixture: String, voiceName: String?, greedy: Bool) throws {
        let (model, voice, configuration) = try setup(fixture, voiceName, greedy: greedy)
        let text = "Hello, my dog is cute."
        let offline = try model.generator.generate(text: text, voice: voice, configuration: configuration, seed: 11)
        var timings = GenerationTimings()
        var batches: [Int] = []
        var emitted: [[Int]] = Array(repeating: [], count: offline.fine.count)
        let mode = FineStreamingMode.chunked(chunk: 8, lookahead: 8, context: 16)
        let streamed = try StreamingBarkGenerator(generator: model.generator, fineMode: mode)
            .run(text: text, voice: voice, configuration: configuration, seed: 11, timings: &timings) { rows in
                batches.append(rows[0].count)
                for k in rows.indices { emitted[k] += rows[k] }
            }
        #expect(streamed.semantic == offline.semantic)
        #expect(streamed.coarse == offline.coarse)
        #expect(emitted == streamed.fine)
        #expect(streamed.frames == offline.frames)
        #expect(batches.count > 1, "fine frames must come out in several batches")
        // Codebooks 0 and 1 come from the coarse stage and must agree exactly.
        #expect(Array(streamed.fine.prefix(2)) == Array(offline.fine.prefix(2)))
        let predicted = zip(streamed.fine.dropFirst(2), offline.fine.dropFirst(2)).flatMap { zip($0, $1) }
        let agreement = Double(predicted.filter { $0.0 == $0.1 }.count) / Double(max(1, predicted.count))
        let a = try model.codec.decode(codes: offline.fine), b = try model.codec.decode(codes: streamed.fine)
        let noise = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
        let signal = a.map { Double($0) * Double($0) }.reduce(0, +)
        let snr = noise == 0 ? Double.infinity : 10 * log10(signal / noise)
        print("streaming \(fixture) voice=\(voiceName ?? "none") greedy=\(greedy) chunked(8,8,16): fine codebooks 2+ agree \(String(format: "%.1f", agreement * 100))% with offline, waveform SNR \(String(format: "%.1f", snr)) dB")
    }
}
