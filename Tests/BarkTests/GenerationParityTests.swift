import Checkpoints
import Foundation
import Testing
@testable import Bark
import OmniBark
import TestSupport

/// One reference run recorded by `scripts/make_generation_fixtures.py`.
struct GenerationCase: Decodable, Sendable, CustomTestStringConvertible {
    let fixture: String
    let name: String
    let text: String
    let voice: String?
    let minEOSProbability: Double?
    let semanticMaxNewTokens: Int?

    enum CodingKeys: String, CodingKey {
        case name, text, voice
        case minEOSProbability = "min_eos_p"
        case semanticMaxNewTokens = "semantic_max_new_tokens"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fixture = ""
        name = try c.decode(String.self, forKey: .name)
        text = try c.decode(String.self, forKey: .text)
        voice = try c.decodeIfPresent(String.self, forKey: .voice)
        minEOSProbability = try c.decodeIfPresent(Double.self, forKey: .minEOSProbability)
        semanticMaxNewTokens = try c.decodeIfPresent(Int.self, forKey: .semanticMaxNewTokens)
    }

    init(fixture: String, _ other: GenerationCase) {
        self.fixture = fixture
        name = other.name; text = other.text; voice = other.voice
        minEOSProbability = other.minEOSProbability; semanticMaxNewTokens = other.semanticMaxNewTokens
    }

    var testDescription: String { "\(fixture)/\(name)" }

    var directory: URL { FixturePaths.fixtures.appendingPathComponent(fixture) }

    func reference(_ suffix: String) throws -> NumpyArray {
        try NumpyArray(contentsOf: directory.appendingPathComponent("reference/\(name)_\(suffix).npy"))
    }

    static func all() -> [GenerationCase] {
        ["bark-gen-scaled", "bark-gen-real"].flatMap { fixture -> [GenerationCase] in
            let url = FixturePaths.fixtures.appendingPathComponent("\(fixture)/reference/cases.json")
            guard let data = try? Data(contentsOf: url),
                  let cases = try? JSONDecoder().decode([GenerationCase].self, from: data) else { return [] }
            return cases.map { GenerationCase(fixture: fixture, $0) }
        }
    }

    /// The model's generation configuration with this case's overrides, as the script passed them.
    func configuration(_ base: BarkGenerationConfiguration) -> BarkGenerationConfiguration {
        var c = base
        c.semantic.minEOSProbability = minEOSProbability
        if let semanticMaxNewTokens { c.semantic.maxNewTokens = semanticMaxNewTokens }
        return c
    }
}

/// Greedy generation equals transformers' `BarkModel.generate` token for token.
@Suite struct GenerationParityTests {
    @Test func fixturesArePresent() {
        #expect(GenerationCase.all().count >= 6)
    }

    @Test(arguments: GenerationCase.all())
    func greedyTokensMatchTheReference(_ testCase: GenerationCase) throws {
        let generator = try BarkGenerator(modelDirectory: testCase.directory)
        // The tokenizer gives the processor's ids.
        let ids = try testCase.reference("input_ids").integers()
        let mask = try testCase.reference("attention_mask").integers()
        #expect(generator.tokenizer.encode(testCase.text) == zip(ids, mask).filter { $0.1 == 1 }.map(\.0))

        let voice = try testCase.voice.map { try VoicePreset.resolve($0, modelDirectory: testCase.directory) }
        let generation = try generator.generate(text: testCase.text, voice: voice,
                                                configuration: testCase.configuration(generator.configuration))
        #expect(generation.semantic == (try testCase.reference("semantic").integers()), "semantic")
        #expect(generation.coarse == (try testCase.reference("coarse").integers()), "coarse")
        let fine = try testCase.reference("fine")
        let rows = fine.shape[0], columns = fine.shape[1]
        let flat = try fine.integers()
        #expect(generation.fine == (0..<rows).map { Array(flat[($0 * columns)..<(($0 + 1) * columns)]) }, "fine")
    }

    /// The whole pipeline to a waveform: our tokens through our EnCodec decoder against
    /// transformers' `BarkModel.generate` audio.
    @Test(arguments: GenerationCase.all())
    func waveformMatchesTheReference(_ testCase: GenerationCase) throws {
        let model = try SpeechModel(directory: testCase.directory)
        var options = SpeechOptions()
        options.greedy = true
        options.longForm = false
        options.voice = try testCase.voice.map { try model.voice($0) }
        options.minEOSProbability = testCase.minEOSProbability
        options.maxSemanticTokens = testCase.semanticMaxNewTokens
        let result = try model.speak(testCase.text, options: options)
        let reference = try testCase.reference("audio").floats()
        #expect(result.audio.count == reference.count)
        let error = relativeError(result.audio, reference)
        print("parity \(testCase.testDescription) waveform: max relative error \(String(format: "%.3e", error))")
        #expect(error <= 1e-4)
    }
}
