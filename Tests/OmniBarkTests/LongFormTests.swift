import Audio
import Bark
import Foundation
import Testing
@testable import OmniBark
import TestSupport

@Suite struct LongFormTests {
    static let text = "The quick brown fox jumps over the lazy dog, and then it runs far away into the old forest. "
        + "Nobody will ever find it again, said the old man to the children who listened by the fire! "
        + "Then they all went to sleep."

    @Test func segmentsContinueThePreviousSegmentsVoice() throws {
        let directory = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled")
        let model = try SpeechModel(directory: directory)
        var options = SpeechOptions()
        options.greedy = true
        let result = try model.speak(Self.text, options: options)
        let segments = TextSegmenter().segments(of: Self.text)
        #expect(segments.count >= 2)
        #expect(result.segments.count == segments.count)

        // Segment 2 is exactly a generation of its text with segment 1 as the voice.
        let configuration = options.apply(to: model.generator.configuration)
        let voice = try result.segments[0].voicePreset(configuration: configuration)
        let second = try model.generator.generate(text: segments[1], voice: voice, configuration: configuration, seed: 1)
        #expect(second == result.segments[1])

        // Audio: per-segment decodes joined with the crossfade.
        let parts = try result.segments.map { try model.codec.decode(codes: $0.fine) }
        #expect(result.audio == AudioJoin.join(parts, sampleRate: 24_000))
        #expect(result.audio.count < parts.map(\.count).reduce(0, +))
    }

    @Test func maxDurationLimitsTokensAndAudio() throws {
        let model = try SpeechModel(directory: FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled"))
        var options = SpeechOptions()
        options.greedy = true
        options.maxDuration = 0.3
        let result = try model.speak(Self.text, options: options)
        #expect(result.segments.count == 1)
        #expect(result.segments[0].semantic.count == Int((0.3 * 49.9).rounded(.up)))
        #expect(result.audio.count <= Int(0.3 * 24_000))
    }

    @Test func segmentsThatEndAtOnceGiveNoAudioAndNoError() throws {
        let model = try SpeechModel(directory: FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled"))
        var options = SpeechOptions()
        options.greedy = true
        options.minEOSProbability = 1e-9  // p(EOS) always exceeds it: every segment ends at once
        let result = try model.speak(Self.text, options: options)
        #expect(result.segments.count >= 2)
        #expect(result.segments.allSatisfy { $0.semantic == [100] && $0.frames == 0 })
        #expect(result.audio.isEmpty)
    }

    @Test func presetRoundTripsAsAVoice() throws {
        let directory = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled")
        let model = try SpeechModel(directory: directory)
        var options = SpeechOptions()
        options.greedy = true
        options.longForm = false
        let result = try model.speak("Hello, my dog is cute.", options: options)
        let folder = try FixturePaths.temporaryDirectory("preset")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("me.npz")
        let preset = try result.fullGeneration().voicePreset(configuration: model.generator.configuration)
        try preset.save(to: url)
        let loaded = try model.voice(url.path)
        #expect(loaded == preset)
        #expect(loaded.finePrompt == result.segments[0].fine)
        #expect(loaded.semanticPrompt == result.segments[0].semantic.filter { $0 < 100 })
    }
}
