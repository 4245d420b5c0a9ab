import Bark
import Checkpoints
import Foundation
import LiveControl
import Modalities
@testable import OmniBark
import Tensors
import TestSupport
import Testing

/// The trained adapters shipped with OmniBark-tiny (`models/omnibark-tiny/adapters.safetensors`, made by
/// `training/omnitiny/adapter_train.py`): the engine's forward pass equals the training code's on the
/// shipped files (`Tests/Fixtures/omnitiny-adapters`, made by `scripts/make_omnitiny_adapter_fixtures.py`),
/// and the steering they learned shows in the engine's own generation.
@Suite struct OmniTinyAdapterTests {
    static let model = FixturePaths.repositoryRoot.appendingPathComponent(BundledModel.relativePath, isDirectory: true)
    static let examples = model.appendingPathComponent("examples", isDirectory: true)
    static let reference = FixturePaths.fixtures.appendingPathComponent("omnitiny-adapters/reference.safetensors")

    let omni: OmniModel
    let reference: SafetensorsFile

    init() throws {
        let speech = try SpeechModel(directory: Self.model)
        omni = try OmniModel(speech: speech, adapterFile: Self.model.appendingPathComponent("adapters.safetensors"),
                             clipDirectory: Self.model.appendingPathComponent("clip", isDirectory: true))
        reference = try SafetensorsFile(url: Self.reference)
    }

    func expectClose(_ ours: Tensor, _ name: String, tolerance: Float = 1e-4) throws {
        let expected = try reference.floatTensor(name)
        #expect(ours.shape == expected.shape, "\(name): shape \(ours.shape) vs \(expected.shape)")
        let error = relativeError(ours.scalars, expected.scalars)
        print("omnitiny adapter parity \(name): relative error \(error)")
        #expect(error <= tolerance, "\(name): relative error \(error)")
    }

    @Test func theEncodersMatchTheTrainingCode() throws {
        let encoder = omni.encoder
        try expectClose(try #require(try encoder.textEmbeddings("[slow]")), "style_embeddings.slow", tolerance: 0)
        try expectClose(try #require(try encoder.textEmbeddings("[fast]")), "style_embeddings.fast", tolerance: 0)
        let audio = try ModalityBundle.loadReferenceAudio(contentsOf: Self.examples.appendingPathComponent("slow.wav"))
        try expectClose(try omni.speech.codec.encoderEmbeddings(audio: audio), "audio_features")
        let pixels = try ModalityBundle.loadImage(contentsOf: Self.examples.appendingPathComponent("slow.png"),
                                                  preprocessor: omni.imagePreprocessor)
        let vision = try #require(omni.vision)
        let image = try vision(pixels)
        try expectClose(image.pooled, "image_pooled")
        try expectClose(image.lastHiddenState, "image_hidden")
    }

    /// The semantic GPT's logits over a prefill (text, empty history, infer token, 24 units) with the
    /// fusion layers running: plain, the style alone, style + reference audio + image (audio weight 3),
    /// a beat marker at 0.3 s alone (its attention sink lets the weight on the one event vary by position), and an
    /// SFX trigger at 0.3 s alone (no payload: slot 0, the knock it was trained on), and one with the payload
    /// "drum" (the row its FNV-1a hash names, the drum roll it was trained on). From format 6 the
    /// prefill's infer token sets the rate clock (its stride matches the training code's), and the units
    /// take its positions; with the shipped file's clock holds the clock stands still from about unit 10
    /// for a beat or a trigger, and its positions are the training code's.
    @Test(arguments: ["plain", "style", "all", "beat", "sfx", "drum"])
    func conditionedSemanticLogitsMatchTheTrainingCode(_ name: String) throws {
        let adapters = try #require(omni.adapters)
        var conditioning: (any LayerConditioning)?
        if name != "plain" {
            let events = ["beat": ControlEvent(time: .seconds(0.3), kind: .beatMarker),
                          "sfx": ControlEvent(time: .seconds(0.3), kind: .sfxTrigger),
                          "drum": ControlEvent(time: .seconds(0.3), kind: .sfxTrigger, payload: .string("drum"))]
            var features = try events[name].map { ModalityFeatures(controlEvents: [$0]) }
                ?? ModalityFeatures(textEmbeddings: reference.floatTensor("style_embeddings.slow"))
            var routing = ModalityRouting()
            if name == "all" {
                features.audioFeatures = try reference.floatTensor("audio_features")
                features.imagePooled = try reference.floatTensor("image_pooled")
                features.imageHidden = try reference.floatTensor("image_hidden")
                routing.audio.weight = 3
            }
            let memory = try adapters.memory(features, routing: routing)
            try expectClose(memory.tokens, "\(name).memory")
            try expectClose(Tensor(shape: [4], scalars: memory.routeWeights), "\(name).route_weights")
            conditioning = FusionConditioning(adapters: adapters, memory: memory)
        }
        let semantic = omni.speech.generator.models.semantic
        let embeddings = try reference.floatTensor("prefill_embeddings")
        let rows = embeddings.shape[0], kept = 257, h = semantic.configuration.hiddenSize
        var workspace = TransformerWorkspace()
        var positions: [Int]?
        if name != "plain" && adapters.configuration.hasRateClock {
            // The prefill (text and history rows, the infer token) sets the clock the units then follow.
            let prefill = omni.speech.generator.configuration.semantic.maxInputLength + 1
            var prefillCache = semantic.makeCache()
            try semantic.forward(embeddings: Tensor(shape: [prefill, h], scalars: Array(embeddings.scalars[..<(prefill * h)])),
                                 cache: &prefillCache, workspace: &workspace, lastPositionOnly: true, conditioning: &conditioning)
            let stride = try #require(conditioning?.rateClockStride(inferTokenState: workspace.finalState(row: 0, hiddenSize: h)))
            try expectClose(Tensor(shape: [1], scalars: [Float(stride)]), "\(name).stride")
            let holds = conditioning?.rateClockHolds(unitsPerSecond: omni.speech.generator.configuration.semantic.rateHz) ?? []
            #expect(holds.isEmpty == (name != "beat" && name != "sfx" && name != "drum"), "\(name): holds \(holds)")
            let clockPositions = SemanticRateClock(stride: stride, firstUnitPosition: prefill, lastPosition: semantic.configuration.blockSize - 1,
                                                   holds: holds).positions(rows: rows)
            #expect(clockPositions.map(Float.init) == (try reference.floatTensor("\(name).positions")).scalars, "\(name): positions")
            positions = clockPositions
        }
        var cache = semantic.makeCache()
        try semantic.forward(embeddings: embeddings, cache: &cache, workspace: &workspace, positions: positions,
                             conditioning: &conditioning)
        var logits: [Float] = []
        for row in 0..<rows { logits += workspace.logitsRow(row).prefix(kept) }
        try expectClose(Tensor(shape: [rows, kept], scalars: logits), "\(name).logits", tolerance: 2e-4)
    }

    /// Format 6, in the engine's semantic stream: the style tag sets the rate clock — a stride near the
    /// slow recordings' units per normal-rate unit (1.48 in the steering corpus) for `[slow]`, near the fast
    /// ones' (0.69) for `[fast]`, Bark's clock unconditioned — and the units the stream generates are the
    /// greedy choices of one teacher-forced pass with the clock's positions (the fixture sentence's prefill).
    @Test func theStyleSetsTheRateClockAndTheStreamFollowsIt() throws {
        let adapters = try #require(omni.adapters)
        #expect(adapters.configuration.hasRateClock)
        let generator = omni.speech.generator
        let semantic = generator.models.semantic
        let sentence = "Anna saw the little red boat near the river today."  // the fixture's prefill
        func stream(_ features: ModalityFeatures?) throws -> (stream: SemanticStream, conditioning: (any LayerConditioning)?) {
            var conditioning: (any LayerConditioning)?
            if let features {
                conditioning = FusionConditioning(adapters: adapters, memory: try adapters.memory(features, routing: ModalityRouting()))
            }
            var stream = SemanticStream(model: semantic, textTokens: generator.tokenizer.encode(sentence), history: nil,
                                        configuration: generator.configuration, generator: SeededRandomGenerator(seed: 1),
                                        conditioning: conditioning)
            while try stream.step() != nil {}
            return (stream, conditioning)
        }
        let plain = try stream(nil), fast = try stream(try styled("[fast]"))
        var (slow, conditioning) = try stream(try styled("[slow]"))
        let slowStride = try #require(slow.rateClock?.stride), fastStride = try #require(fast.stream.rateClock?.stride)
        print("rate clock: [slow] stride \(slowStride), [fast] \(fastStride); units: plain \(plain.stream.tokens.count), "
              + "[slow] \(slow.tokens.count), [fast] \(fast.stream.tokens.count)")
        #expect(plain.stream.rateClock == nil)
        #expect(slowStride > 1.3 && slowStride < 1.7, "[slow]: stride \(slowStride)")
        #expect(fastStride > 0.55 && fastStride < 0.85, "[fast]: stride \(fastStride)")

        try expectTeacherForcedGreedy(slow, conditioning: &conditioning)
    }

    /// Clock holds (format 6, the file's `clock_holds`): an SFX trigger at 1.0 s stops the stream's clock
    /// for the file's units from its own unit (49.9 per second) less the lead, and the units the stream
    /// generates are the greedy choices of one teacher-forced pass on that clock. A beat marker that
    /// joins live after its own second stops the clock from the next unit fed (the trigger's hold, not
    /// yet begun, queues after it); the positions units already took stay as they were.
    @Test func controlEventsStopTheClockAndTheStreamFollowsIt() throws {
        let adapters = try #require(omni.adapters)
        let rules = try #require(adapters.configuration.clockHolds)
        let sfxRule = try #require(rules.first { ControlEvent.Kind(name: $0.kind) == .sfxTrigger })
        let beatRule = try #require(rules.first { ControlEvent.Kind(name: $0.kind) == .beatMarker })
        let generator = omni.speech.generator
        let sfx = ControlEvent(time: .seconds(1.0), kind: .sfxTrigger), beat = ControlEvent(time: .seconds(0.2), kind: .beatMarker)
        func conditioning(_ events: [ControlEvent]) throws -> any LayerConditioning {
            FusionConditioning(adapters: adapters, memory: try adapters.memory(ModalityFeatures(controlEvents: events), routing: ModalityRouting()))
        }
        func stream(_ conditioning: any LayerConditioning) -> SemanticStream {
            SemanticStream(model: generator.models.semantic, textTokens: generator.tokenizer.encode("Anna saw the little red boat near the river today."),
                           history: nil, configuration: generator.configuration, generator: SeededRandomGenerator(seed: 1),
                           conditioning: conditioning)
        }
        var knocked = stream(try conditioning([sfx]))
        while try knocked.step() != nil {}
        let sfxHold = SemanticRateClock.Hold(firstUnit: 50 - sfxRule.lead, units: sfxRule.units)  // floor(1.0 · 49.9 + 0.5) = 50
        #expect(knocked.rateClock?.holds == [sfxHold])
        var sfxConditioning: (any LayerConditioning)? = try conditioning([sfx])
        try expectTeacherForcedGreedy(knocked, conditioning: &sfxConditioning)

        var live = stream(try conditioning([sfx]))
        for _ in 0..<40 { _ = try live.step() }
        let before = try #require(live.rateClock)
        live.replaceConditioning(try conditioning([beat, sfx]))
        let after = try #require(live.rateClock)
        // The beat's own unit (10 − lead) has passed: its hold starts at unit 39, the next one fed, and the
        // trigger's, which had not begun, queues after it.
        let beatHold = SemanticRateClock.Hold(firstUnit: 39, units: beatRule.units)
        #expect(after.holds == [beatHold, SemanticRateClock.Hold(firstUnit: 39 + beatRule.units, units: sfxRule.units)], "holds \(after.holds)")
        #expect(after.stride == before.stride)
        #expect((0...39).map(after.position(ofUnit:)) == (0...39).map(before.position(ofUnit:)))
        #expect(after.position(ofUnit: 39 + beatRule.units) == before.position(ofUnit: 39), "the clock stood still")
        live.replaceConditioning(try conditioning([beat, sfx]))
        #expect(live.rateClock?.holds == after.holds, "the same events again add no hold")
    }

    /// The units `stream` generated (greedy) are the argmax of one teacher-forced pass over the fixture's
    /// prefill and those units on the stream's clock, with `conditioning` (the stream's own).
    func expectTeacherForcedGreedy(_ stream: SemanticStream, conditioning: inout (any LayerConditioning)?) throws {
        let semantic = stream.model, c = stream.configuration.semantic
        let prefill = c.maxInputLength + 1, h = semantic.configuration.hiddenSize
        let units = Array(stream.tokens.dropLast())  // the last is EOS (or the length limit)
        let prefix = try reference.floatTensor("prefill_embeddings").scalars[..<(prefill * h)]
        let embeddings = Tensor(shape: [prefill + units.count, h], scalars: Array(prefix) + (try semantic.embed(units)).scalars)
        let clock = try #require(stream.rateClock)
        var cache = semantic.makeCache()
        var workspace = TransformerWorkspace()
        try semantic.forward(embeddings: embeddings, cache: &cache, workspace: &workspace,
                             positions: clock.positions(rows: prefill + units.count), conditioning: &conditioning)
        let greedy = (0..<units.count).map { k -> Int in
            let row = workspace.logitsRow(prefill - 1 + k)
            let allowed = Array(0..<c.vocabularySize) + [c.eosToken]
            return allowed.max { row[$0] < row[$1] } ?? -1
        }
        #expect(greedy == units, "first difference at unit \(zip(greedy, units).enumerated().first { $1.0 != $1.1 }?.offset ?? -1)")
    }

    /// What the adapters learned, in the engine: three held-out sentences take more semantic tokens (audio
    /// time at 49.9 tokens/s) with `[slow]` than unconditioned, and fewer with `[fast]` (unsteered, both
    /// ratios would be 1).
    @Test func aStyleInstructionChangesTheSpeakingRate() throws {
        let plain = try semanticTokens(nil), slow = try semanticTokens(try styled("[slow]")), fast = try semanticTokens(try styled("[fast]"))
        print("semantic tokens over \(Self.sentences.count) sentences: plain \(plain), [slow] \(slow), [fast] \(fast)")
        #expect(Double(slow) > 1.1 * Double(plain), "[slow]: \(slow) tokens against \(plain) unconditioned")
        #expect(Double(fast) < 0.85 * Double(plain), "[fast]: \(fast) tokens against \(plain) unconditioned")
    }

    /// Two modalities that disagree — `[slow]` and a reference recording at the fast rate — and the
    /// heavier by routing weight decides (the route sharpness of format 3, and from format 4 the heaviest
    /// modality's values at full strength): audio weight 3 speaks faster than unconditioned by more than a
    /// quarter (0.69× with the shipped phase-13 adapters, format 6; phase 11 gave 0.65×, phase 10 0.66×,
    /// phase 9 0.60×, phase 8 0.59×, format 4 0.67×, format 3 0.71×, format 2 0.85×), text weight 3 slower
    /// by more than a third (1.46×, 532 tokens as for `[slow]` alone; phase 11: 1.47×, phase 10: 1.49×,
    /// phase 9: 1.45×, format 3: 1.12×, format 2: 1.18×), and text=3 gives over 1.9× the tokens of audio=3
    /// (2.11×; phase 11: 2.25×, phase 10: 2.26×, phase 9: 2.41×, format 4: 2.13×, format 3: 1.58×, format 2: 1.38×).
    @Test func theHeavierOfTwoDisagreeingModalitiesDecides() throws {
        let adapters = try #require(omni.adapters)
        #expect(adapters.configuration.hasRouteSharpness && adapters.configuration.scalesValuesRelativeToHeaviest)
        #expect(adapters.layers.values.allSatisfy { $0.routeSharpness > 1 }, "trained sharpness: \(adapters.layers.mapValues(\.routeSharpness))")
        let audio = try ModalityBundle.loadReferenceAudio(contentsOf: Self.examples.appendingPathComponent("fast.wav"))
        var features = try styled("[slow]")
        features.audioFeatures = try omni.speech.codec.encoderEmbeddings(audio: audio)
        var audioFirst = ModalityRouting(), textFirst = ModalityRouting()
        audioFirst.audio.weight = 3
        textFirst.text.weight = 3
        let plain = try semanticTokens(nil), slowAlone = try semanticTokens(try styled("[slow]"))
        let fast = try semanticTokens(features, routing: audioFirst), slow = try semanticTokens(features, routing: textFirst)
        print("semantic tokens over \(Self.sentences.count) sentences: plain \(plain), [slow] alone \(slowAlone), "
              + "[slow] + fast reference: audio=3 \(fast), text=3 \(slow)")
        #expect(Double(fast) < 0.75 * Double(plain), "audio=3 (fast): \(fast) tokens against \(plain) unconditioned")
        #expect(Double(slow) > 1.3 * Double(plain), "text=3 ([slow]): \(slow) tokens against \(plain) unconditioned")
        #expect(abs(Double(slow) / Double(slowAlone) - 1) < 0.05, "text=3: \(slow) tokens against \(slowAlone) for [slow] alone")
        #expect(Double(slow) > 1.9 * Double(fast), "the weight decides: text=3 \(slow) tokens, audio=3 \(fast)")
    }

    /// An SFX trigger at second t (no payload: slot 0) puts a knock there: a unit of a knock hit (221, the
    /// label the base model learned for the knock's frames, or 238, the rebuilt steering corpus's label of
    /// them, which the phase-16 adapters were trained on; no speech frame of the corpus has either, bar 2 in
    /// 100,000 of 238) appears from just before t to 0.8 s after, at least three times (half a hit; one hit
    /// is ~6 frames), for three held-out sentences at their word boundary from the steering corpus (the
    /// phase-16 file: 9, 22 and 22 times; phase 13: 7, 5 and 3 times of 221). Unconditioned, or with a beat
    /// marker at t instead, it never does.
    @Test func anSFXTriggerPlacesAKnockAtItsSecond() throws {
        let knockUnits: Set<Int> = [221, 238]
        let units = semanticUnits
        for (sentence, second) in Self.sfxTriggers {
            let knocked = try units(sentence, ControlEvent(time: .seconds(second), kind: .sfxTrigger))
            let window = max(0, Int((second - 0.3) * 49.9))..<min(knocked.count, Int((second + 0.8) * 49.9))
            let near = window.isEmpty ? 0 : knocked[window].filter(knockUnits.contains).count
            let plain = try units(sentence, nil).filter(knockUnits.contains).count
            let beat = try units(sentence, ControlEvent(time: .seconds(second), kind: .beatMarker)).filter(knockUnits.contains).count
            print("knock units near \(second) s in \"\(sentence)\": \(near) with the trigger (of \(knocked.filter(knockUnits.contains).count)), plain \(plain), beat \(beat)")
            #expect(near >= 3, "\(sentence): \(near) knock units within \(window) with an SFX trigger at \(second) s")
            #expect(plain == 0 && beat == 0, "\(sentence): knock units without the trigger: plain \(plain), beat marker \(beat)")
        }
    }

    /// An SFX trigger with the payload "drum" at second t puts a drum roll there: the units of the drum's
    /// hits (30 and 240: no speech or knock frame of the steering corpus has them) appear from just before t
    /// to 0.8 s after, at least three times, for the knock test's sentences (the phase-16 file: 18, 33 and 36
    /// times). The knock's trigger (no payload) and no trigger bring none.
    @Test func anSFXTriggerNamedDrumPlacesADrumRoll() throws {
        let drumUnits: Set<Int> = [30, 240]
        let units = semanticUnits
        for (sentence, second) in Self.sfxTriggers {
            let drummed = try units(sentence, ControlEvent(time: .seconds(second), kind: .sfxTrigger, payload: .string("drum")))
            let window = max(0, Int((second - 0.3) * 49.9))..<min(drummed.count, Int((second + 0.8) * 49.9))
            let near = window.isEmpty ? 0 : drummed[window].filter(drumUnits.contains).count
            let knock = try units(sentence, ControlEvent(time: .seconds(second), kind: .sfxTrigger)).filter(drumUnits.contains).count
            let plain = try units(sentence, nil).filter(drumUnits.contains).count
            print("drum units near \(second) s in \"\(sentence)\": \(near) with the drum trigger (of \(drummed.filter(drumUnits.contains).count)), "
                  + "knock trigger \(knock), plain \(plain)")
            #expect(near >= 3, "\(sentence): \(near) drum units within \(window) with a drum trigger at \(second) s")
            #expect(knock == 0 && plain == 0, "\(sentence): drum units without the drum trigger: knock trigger \(knock), plain \(plain)")
        }
    }

    /// Three held-out sentences of the steering corpus with the second of their word boundary, where its
    /// knock and drum recordings put the sound.
    static let sfxTriggers = [("The island liked the heavy teacher around the boy.", 1.514),
                              ("Did Peter see the gentle man before dinner?", 1.779), ("The slow cat sleeps across the city.", 0.698)]

    /// The semantic units the engine generates for `sentence` (greedy, seed 1) with the shipped adapters
    /// conditioned on `event` alone, or unconditioned without one.
    func semanticUnits(_ sentence: String, _ event: ControlEvent?) throws -> [Int] {
        let adapters = try #require(omni.adapters)
        let generator = omni.speech.generator
        var conditioning: (any LayerConditioning)?
        if let event {
            let memory = try adapters.memory(ModalityFeatures(controlEvents: [event]), routing: ModalityRouting())
            conditioning = FusionConditioning(adapters: adapters, memory: memory)
        }
        var random = SeededRandomGenerator(seed: 1)
        return try SemanticGeneration.generate(model: generator.models.semantic, textTokens: generator.tokenizer.encode(sentence),
                                               history: nil, configuration: generator.configuration, generator: &random,
                                               conditioning: conditioning)
    }

    /// Live, an SFX trigger due 1 s into the utterance joins it `controlLookahead` ahead (here: from the
    /// first step) with its own time, as `speak --control` gives it, so the words before it make room:
    /// a knock — a short sound with quiet on both sides (`knockStarts`, the training evaluation's
    /// detector) — starts within 0.3 s of it. The same utterance without the event has none.
    @Test func aLiveSFXTriggerJoinsAheadAndPlacesAKnock() throws {
        func live(sfxDue: Double?) throws -> [Float] {
            let inbox = LiveEventInbox()
            var configuration = EngineConfiguration()
            configuration.speech.seed = 1
            configuration.events = inbox
            let sink = CountingSink()
            let engine = try StreamingEngine(model: omni, sink: sink, configuration: configuration)
            if let sfxDue {
                _ = inbox.post(LiveEvent(source: .api, action: .control(.sfxTrigger, .none), receivedSample: 0,
                                         dueSample: Int64(sfxDue * 24_000)))
            }
            engine.start()
            _ = try engine.say(EngineRequest(text: "Anna saw the little red boat near the river today."))
            try engine.finish()
            #expect(inbox.counters.applied == (sfxDue == nil ? 0 : 1))
            return sink.samples
        }
        let knocked = Self.knockStarts(try live(sfxDue: 1.0)), plain = Self.knockStarts(try live(sfxDue: nil))
        print("live SFX trigger due at 1.0 s: knocks at \(knocked) s; without it: \(plain)")
        #expect(knocked.contains { abs($0 - 1.0) <= 0.3 }, "knocks at \(knocked)")
        #expect(plain.isEmpty, "knocks without a trigger at \(plain)")
    }

    /// Start seconds of knocks in 24 kHz audio, as `training/omnitiny/adapter_eval.py` finds them: runs of
    /// 20 ms frames within 30 dB of the loudest, joined across gaps under 0.06 s; a knock is such a sound of
    /// at most 0.45 s with at least 0.06 s of quiet before and 0.1 s after, between other sounds.
    static func knockStarts(_ samples: [Float]) -> [Double] {
        let frame = 480, count = samples.count / frame
        guard count > 0 else { return [] }
        let rms = (0..<count).map { f in
            (samples[f * frame..<(f + 1) * frame].reduce(0) { $0 + Double($1) * Double($1) } / Double(frame) + 1e-12).squareRoot()
        }
        let loudest = rms.max() ?? 1
        var groups: [(start: Double, end: Double)] = []
        var runStart: Int?
        for f in 0...count {
            let loud = f < count && 20 * log10(rms[f] / loudest) > -30
            if loud, runStart == nil { runStart = f }
            if !loud, let start = runStart {
                let (s, e) = (Double(start * frame) / 24_000, Double(f * frame) / 24_000)
                if let last = groups.last, s - last.end < 0.06 { groups[groups.count - 1].end = e } else { groups.append((s, e)) }
                runStart = nil
            }
        }
        guard groups.count >= 3 else { return [] }
        return (1..<groups.count - 1).filter { k in
            groups[k].end - groups[k].start <= 0.45 && groups[k].start - groups[k - 1].end >= 0.06 && groups[k + 1].start - groups[k].end >= 0.1
        }.map { groups[$0].start }
    }

    static let sentences = ["Did Peter see the gentle man before dinner?", "The island liked the heavy teacher around the boy.",
                            "Anna saw the little red boat near the river today."]

    func styled(_ style: String) throws -> ModalityFeatures {
        ModalityFeatures(textEmbeddings: try omni.encoder.textEmbeddings(style))
    }

    /// Semantic tokens (audio time at 49.9 tokens/s) of the three held-out sentences, seed 1, with the
    /// fusion layers conditioned on `features` (nil: unconditioned).
    func semanticTokens(_ features: ModalityFeatures?, routing: ModalityRouting = ModalityRouting()) throws -> Int {
        let adapters = try #require(omni.adapters)
        let generator = omni.speech.generator
        var conditioning: (any LayerConditioning)?
        if let features {
            conditioning = FusionConditioning(adapters: adapters, memory: try adapters.memory(features, routing: routing))
        }
        return try Self.sentences.reduce(0) { total, sentence in
            var random = SeededRandomGenerator(seed: 1)
            return total + (try SemanticGeneration.generate(model: generator.models.semantic, textTokens: generator.tokenizer.encode(sentence),
                                                            history: nil, configuration: generator.configuration, generator: &random,
                                                            conditioning: conditioning).count)
        }
    }
}
