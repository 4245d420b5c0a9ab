import Bark
import Foundation
import Modalities
import Streaming
import Tensors
import Testing
@testable import OmniBark
import TestSupport

/// Records what the engine writes, at the model's rate, with the size of every write.
final class CountingSink: AudioSink, @unchecked Sendable {
    let sampleRate: Int
    private let lock = NSLock()
    private var recorded: [Float] = []
    private var writeSizes: [Int] = []
    private var boundaries = 0
    init(sampleRate: Int = 24_000) { self.sampleRate = sampleRate }
    func write(_ samples: [Float]) throws { lock.withLock { recorded += samples; writeSizes.append(samples.count) } }
    func endOfUtterance() throws { lock.withLock { boundaries += 1 } }
    func finish() throws {}
    func cancel() {}
    var samples: [Float] { lock.withLock { recorded } }
    var writes: [Int] { lock.withLock { writeSizes } }
    var utteranceEnds: Int { lock.withLock { boundaries } }
}

/// The one engine: streaming equals offline with the same conditioning, zero gates are plain
/// Bark, the gapless gate holds audio back, priorities and segmentation.
@Suite struct StreamingEngineTests {
    static let text = "The quick brown fox jumps over the lazy dog."

    static func sampled(seed: UInt64) -> SpeechOptions {
        var options = OmniLegacyCompatibilityTests.sampledOptions(seed: seed)
        options.maxSemanticTokens = 40
        return options
    }

    static func bundle(_ speech: SpeechModel) throws -> ModalityBundle {
        let audio = try ModalityBundle.normalizeReferenceAudio((0..<24_000).map { Float(sin(Double($0) * 0.05)) * 0.3 },
                                                               sampleRate: 16_000, channels: 1)
        return try ModalityBundle(text: text, styleInstruction: "[calm]", referenceAudio: audio,
                                  controlEvents: OmniLegacyCompatibilityTests.events)
    }

    /// Runs one request through the engine in exact fine mode; returns what the sink got.
    static func engineAudio(_ model: OmniModel, bundle: ModalityBundle, options: SpeechOptions) throws -> (audio: [Float], status: EngineRequestStatus?) {
        let sink = CountingSink()
        var configuration = EngineConfiguration()
        configuration.speech = options
        configuration.fineMode = .exact
        let engine = try StreamingEngine(model: model, sink: sink, configuration: configuration)
        engine.start()
        let id = try engine.say(EngineRequest(bundle: bundle, seed: options.seed)).id
        try engine.finish()
        return (sink.samples, engine.status(of: id))
    }

    /// The streaming semantic stage with the fusion block gives the offline tokens.
    @Test func streamingTokensEqualOfflineTokensWithConditioning() throws {
        let speech = try OmniLegacyCompatibilityTests.model()
        let model = try OmniModel(speech: speech, adapterFile: try OmniLegacyCompatibilityTests.adapterFile(for: speech, gate: 2, scale: 50),
                                  clipDirectory: nil)
        let bundle = try Self.bundle(speech)
        let adapters = try #require(model.adapters)
        let memory = try adapters.memory(try model.encoder.features(for: bundle), routing: bundle.routing)
        let configuration = Self.sampled(seed: 9).apply(to: speech.generator.configuration)
        var timings = GenerationTimings()
        let offline = try speech.generator.generate(text: Self.text, voice: nil, configuration: configuration, seed: 9, timings: &timings,
                                                    conditioning: FusionConditioning(adapters: adapters, memory: memory))
        let streamed = try StreamingBarkGenerator(generator: speech.generator, fineMode: .exact)
            .run(text: Self.text, voice: nil, configuration: configuration, seed: 9, timings: &timings,
                 conditioning: FusionConditioning(adapters: adapters, memory: memory)) { _ in }
        #expect(streamed == offline)
        let plain = try speech.generator.generate(text: Self.text, voice: nil, configuration: configuration, seed: 9)
        #expect(plain.semantic != offline.semantic, "non-zero gates must change the semantic tokens")
    }

    /// The engine speaks what `OmniModel.generateAudio` speaks for the same bundle and seed.
    @Test func engineAudioEqualsOfflineAudioWithConditioning() throws {
        let speech = try OmniLegacyCompatibilityTests.model()
        let model = try OmniModel(speech: speech, adapterFile: try OmniLegacyCompatibilityTests.adapterFile(for: speech, gate: 2, scale: 50),
                                  clipDirectory: nil)
        let bundle = try Self.bundle(speech)
        let options = Self.sampled(seed: 4)
        let offline = try model.generateAudio(bundle: bundle, options: options)
        let (streamed, status) = try Self.engineAudio(model, bundle: bundle, options: options)
        #expect(Set(status?.conditioned ?? []) == Set(offline.conditionedModalities.map(\.description)))
        #expect(streamed.count == offline.audio.count)
        let worst = zip(streamed, offline.audio).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "largest difference \(worst)")
    }

    /// Zero gates: every modality given, the audio is plain Bark's bit for bit.
    @Test func zeroGatesAreBitIdenticalToPlainBark() throws {
        let speech = try OmniLegacyCompatibilityTests.model()
        let zero = try OmniModel(speech: speech, adapterFile: try OmniLegacyCompatibilityTests.adapterFile(for: speech, gate: 0),
                                 clipDirectory: nil)
        let options = Self.sampled(seed: 6)
        let conditioned = try Self.engineAudio(zero, bundle: try Self.bundle(speech), options: options)
        let plain = try Self.engineAudio(try OmniModel(speech: speech), bundle: try ModalityBundle(text: Self.text), options: options)
        #expect(!conditioned.audio.isEmpty)
        #expect(conditioned.audio == plain.audio)
        #expect(conditioned.status?.conditioned.isEmpty == false, "the adapters ran (with zero gates)")
    }

    /// The gate holds audio back: the first write carries at least the minimum lead (or the
    /// whole utterance), and the lead is recorded.
    @Test func playbackStartsWithTheLeadHeld() throws {
        let speech = try OmniLegacyCompatibilityTests.model()
        let sink = CountingSink()
        var configuration = EngineConfiguration()
        configuration.speech = Self.sampled(seed: 2)
        configuration.speech.maxSemanticTokens = 60
        configuration.fineMode = .chunked(chunk: 8, lookahead: 8, context: 16)
        configuration.gapless = GaplessPlaybackGate(minimumLead: 0.5)
        let engine = try StreamingEngine(model: speech, sink: sink, configuration: configuration)
        engine.start()
        let id = try engine.say(Self.text)
        try engine.finish()
        let status = try #require(engine.status(of: id))
        let first = try #require(sink.writes.first)
        let total = sink.samples.count
        #expect(Double(first) >= min(0.5 * 24_000, Double(total)), "first write \(first) of \(total) samples")
        #expect((status.leadSeconds ?? 0) * 24_000 >= Double(first) - 1)
        #expect(status.timeToFirstAudio != nil && status.timeToFirstGenerated != nil)
        #expect((status.timeToFirstAudio ?? 0) >= (status.timeToFirstGenerated ?? .infinity))
        #expect(sink.utteranceEnds == 1)

        // Without the gate the first chunk goes out as soon as it exists.
        let eager = CountingSink()
        configuration.gapless = nil
        let ungated = try StreamingEngine(model: speech, sink: eager, configuration: configuration)
        ungated.start()
        try ungated.say(Self.text)
        try ungated.finish()
        #expect(eager.writes.count > 1)
        #expect(eager.samples == sink.samples, "the gate changes when audio plays, never what plays")
    }

    @Test func gateArithmetic() {
        let gate = GaplessPlaybackGate(minimumLead: 0.3, safetyMargin: 1)
        // Twice slower than real time with 4 s to go: 4 s must be held.
        #expect(gate.requiredLead(remainingSeconds: 4, realTimeFactor: 2) == 4)
        #expect(!gate.opens(bufferedSeconds: 3.9, remainingSeconds: 4, realTimeFactor: 2, complete: false))
        #expect(gate.opens(bufferedSeconds: 4, remainingSeconds: 4, realTimeFactor: 2, complete: false))
        // Faster than real time: the minimum lead only.
        #expect(gate.requiredLead(remainingSeconds: 10, realTimeFactor: 0.5) == 0.3)
        // Nothing measured yet: closed until complete.
        #expect(gate.requiredLead(remainingSeconds: 1, realTimeFactor: nil) == nil)
        #expect(gate.opens(bufferedSeconds: 0.01, remainingSeconds: 0, realTimeFactor: nil, complete: true))
        // Predictions: exact once the semantic stage ended, else bounded by its limit.
        #expect(GaplessPlaybackGate.predictedSeconds(semanticTokens: 100, semanticFinished: true, semanticLimit: 768,
                                                     semanticRate: 50, textCharacters: 500) == 2)
        #expect(GaplessPlaybackGate.predictedSeconds(semanticTokens: 100, semanticFinished: false, semanticLimit: 5000,
                                                     semanticRate: 50, textCharacters: 700) == 50)
        #expect(GaplessPlaybackGate.predictedSeconds(semanticTokens: 100, semanticFinished: false, semanticLimit: 200,
                                                     semanticRate: 50, textCharacters: 700) == 4)
    }

    /// Every modality through `serve`'s request path: style, reference audio, image-less
    /// control events and routing, all conditioning the utterance.
    @Test func requestRoutingOverridesTheSession() throws {
        let speech = try OmniLegacyCompatibilityTests.model()
        let model = try OmniModel(speech: speech, adapterFile: try OmniLegacyCompatibilityTests.adapterFile(for: speech, gate: 2, scale: 50),
                                  clipDirectory: nil)
        var configuration = EngineConfiguration()
        configuration.speech = Self.sampled(seed: 1)
        configuration.fineMode = .exact
        configuration.routing.audio.weight = 0
        let engine = try StreamingEngine(model: model, sink: CountingSink(), configuration: configuration)
        engine.start()
        let bundle = try Self.bundle(speech)
        let session = try engine.say(EngineRequest(bundle: bundle)).id
        var routing = ModalityRouting()
        routing.audio.weight = 2
        let own = try engine.say(EngineRequest(bundle: try ModalityBundle(text: bundle.text, styleInstruction: bundle.styleInstruction,
                                                                         referenceAudio: bundle.referenceAudio, routing: routing),
                                               usesOwnRouting: true)).id
        try engine.finish()
        #expect(engine.status(of: session)?.conditioned.contains("reference audio") == false, "session weight 0 leaves audio out")
        #expect(engine.status(of: own)?.conditioned.contains("reference audio") == true)
    }
}

/// Random conditioning parts in real shapes (for benchmarks) work end to end.
@Suite struct SyntheticConditioningTests {
    @Test func syntheticAdaptersAndVisionTowerCondition() throws {
        let speech = try OmniLegacyCompatibilityTests.model()
        let tiny = CLIPVisionConfiguration(hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, imageSize: 32, patchSize: 16)
        let model = try OmniModel.synthetic(speech: speech, gate: 2, vision: tiny)
        #expect(model.vision?.configuration.hiddenSize == 32)
        let pixels = Tensor(shape: [3, 32, 32], scalars: (0..<(3 * 32 * 32)).map { Float(sin(Double($0))) })
        var options = OmniOptions()
        options.speech.greedy = true
        options.speech.maxSemanticTokens = 12
        let result = try model.generateAudio(text: "Hello.", image: .pixels(pixels), options: options)
        #expect(result.conditionedModalities == [.image])
        #expect(!result.audio.isEmpty)
    }
}
