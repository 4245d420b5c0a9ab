import Foundation
import Tensors
import Testing
@testable import Bark
import OmniBark

/// Live mode's shortcuts on the demo model: the coarse KV cache continued across windows (fewer
/// prefills, positions within the block, first window as in exact mode, exact tokens when the
/// shortcut is configured away) and fine windows with bounded overlap.
@Suite struct LiveGenerationTests {
    /// The demo model's generator, made once (random weights; tokens are not speech).
    static let demo: Result<BarkGenerator, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-live-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try DemoModel.create(at: directory)
        return try SpeechModel(directory: directory).generator
    }

    static func greedyConfiguration(_ base: BarkGenerationConfiguration) -> BarkGenerationConfiguration {
        var c = base
        c.semantic.sampling = .greedy
        c.coarse.sampling = .greedy
        c.fine.temperature = nil
        return c
    }

    /// 400 seeded semantic tokens: about 1200 coarse tokens, 20 exact windows.
    static let semantic: [Int] = {
        var random = SeededRandomGenerator(seed: 11)
        return (0..<400).map { _ in Int(random.next() % 10_000) }
    }()

    static func exactCoarse(_ generator: BarkGenerator, timings: inout GenerationTimings) throws -> [Int] {
        var random = SeededRandomGenerator(seed: 5)
        return try CoarseGeneration.generate(model: generator.models.coarse, semantic: semantic, history: nil,
                                             configuration: greedyConfiguration(generator.configuration), generator: &random, timings: &timings)
    }

    static func liveCoarse(_ generator: BarkGenerator, _ settings: LiveCoarseSettings, timings: inout GenerationTimings) throws -> [Int] {
        try LiveGeneration.coarseTokens(model: generator.models.coarse, semantic: semantic, voice: nil,
                                        configuration: greedyConfiguration(generator.configuration), settings: settings,
                                        generator: SeededRandomGenerator(seed: 5), timings: &timings)
    }

    @Test func liveCoarsePrefillsLessAndKeepsTheFirstWindow() throws {
        let generator = try Self.demo.get()
        var exactTimings = GenerationTimings(), liveTimings = GenerationTimings()
        let exact = try Self.exactCoarse(generator, timings: &exactTimings)
        let live = try Self.liveCoarse(generator, LiveCoarseSettings(), timings: &liveTimings)
        #expect(live.count == exact.count)
        #expect(exactTimings.coarsePrefillPasses == exactTimings.coarseWindows)
        #expect(liveTimings.coarseWindows == exactTimings.coarseWindows)
        // 20 windows: the first as exact, then re-prefills of 527 tokens each followed by up to 7 windows.
        print("live coarse: \(liveTimings.coarsePrefillPasses) prefills for \(liveTimings.coarseWindows) windows (exact: \(exactTimings.coarsePrefillPasses))")
        #expect(liveTimings.coarsePrefillPasses * 3 <= liveTimings.coarseWindows)
        let window = generator.configuration.coarse.windowLength
        #expect(Array(live.prefix(window)) == Array(exact.prefix(window)))
        // Codebooks still alternate: even steps in [S, S + C), odd steps ≥ S + C.
        let s = generator.configuration.semantic.vocabularySize, size = generator.configuration.codebookSize
        for (i, token) in live.enumerated() {
            #expect(i % 2 == 0 ? (s..<(s + size)).contains(token) : token >= s + size, "token \(i)")
        }
    }

    /// With the history of exact mode and a lookahead no window can meet, every window re-prefills
    /// Bark's own window — until the end of the semantic tokens is inside the prefilled context
    /// (then lookahead no longer matters and live mode continues): up to there the tokens are
    /// exact mode's. Exact windows see the end from coarse token 1062 on (round(t / 3.006) − 209 +
    /// 256 > 400), so the first 17 windows (1020 tokens) must agree.
    @Test func liveCoarseWithoutContinuationIsExact() throws {
        let generator = try Self.demo.get()
        var exactTimings = GenerationTimings(), liveTimings = GenerationTimings()
        let exact = try Self.exactCoarse(generator, timings: &exactTimings)
        let settings = LiveCoarseSettings(history: generator.configuration.coarse.maxHistory, minimumLookahead: 10_000)
        let live = try Self.liveCoarse(generator, settings, timings: &liveTimings)
        #expect(Array(live.prefix(1020)) == Array(exact.prefix(1020)))
        #expect(live.count == exact.count)
        #expect(liveTimings.coarsePrefillPasses >= 18)
    }

    @Test func minimumExactLookaheadFollowsBarkConstants() {
        // 256 − ⌊630 / 3.006⌋ − round(60 / 3.006) = 256 − 209 − 20.
        #expect(LiveCoarseSettings.minimumExactLookahead(BarkGenerationConfiguration()) == 27)
    }

    /// Streaming in live mode gives offline live generation's semantic and coarse tokens, and
    /// every frame of fine codes.
    @Test func streamingLiveMatchesOfflineLive() throws {
        let generator = try Self.demo.get()
        var c = Self.greedyConfiguration(generator.configuration)
        c.semantic.maxNewTokens = 120
        c.semantic.minEOSProbability = nil
        let text = "Hello world, this is a test."
        var offlineTimings = GenerationTimings(), streamingTimings = GenerationTimings()
        let offline = try LiveGeneration.generate(generator: generator, text: text, voice: nil, configuration: c, seed: 3,
                                                  timings: &offlineTimings)
        var emitted = 0
        let streamed = try StreamingBarkGenerator(generator: generator, live: .standard)
            .run(text: text, voice: nil, configuration: c, seed: 3, timings: &streamingTimings) { rows in emitted += rows[0].count }
        #expect(streamed.semantic == offline.semantic)
        #expect(streamed.coarse == offline.coarse)
        #expect(streamed.frames == offline.frames)
        #expect(emitted == offline.frames)
        #expect(offline.frames == offline.coarse.count / 2)
        #expect(offlineTimings.coarsePrefillPasses < offlineTimings.coarseWindows)
    }

    /// Fewer fine codebooks: the predicted rows equal the first rows of a full run token for token
    /// (codebook k reads only codebooks 0…k), offline and streaming, and the codec decodes them.
    @Test func fewerFineCodebooksEqualTheFirstRowsOfAFullRun() throws {
        let generator = try Self.demo.get()
        var c = Self.greedyConfiguration(generator.configuration)
        c.semantic.maxNewTokens = 120
        c.semantic.minEOSProbability = nil
        let text = "Hello world, this is a test."
        var timings = GenerationTimings()
        let full = try LiveGeneration.generate(generator: generator, text: text, voice: nil, configuration: c, seed: 3, timings: &timings)
        #expect(full.fine.count == c.fine.codebooks)
        for codebooks in [c.coarse.codebooks, 4, 6] {
            var settings = LiveGenerationSettings.standard
            settings.fineCodebooks = codebooks
            let fewer = try LiveGeneration.generate(generator: generator, text: text, voice: nil, configuration: c, seed: 3,
                                                    settings: settings, timings: &timings)
            #expect(fewer.fine.count == codebooks)
            #expect(fewer.fine == Array(full.fine.prefix(codebooks)))
            var emitted: [[Int]] = Array(repeating: [], count: codebooks)
            let streamed = try StreamingBarkGenerator(generator: generator, live: settings)
                .run(text: text, voice: nil, configuration: c, seed: 3, timings: &timings) { rows in
                    #expect(rows.count == codebooks)
                    for k in rows.indices { emitted[k] += rows[k] }
                }
            #expect(streamed.fine == emitted)
            #expect(streamed.fine.count == codebooks && streamed.frames == full.frames)
        }
    }

    @Test func fineCodebooksOutsideTheModelsRangeAreRefusedByName() throws {
        let generator = try Self.demo.get()
        let c = generator.configuration
        for bad in [1, c.fine.codebooks + 1] {
            #expect {
                _ = try FineChunkedStream(model: generator.models.fine, history: nil, configuration: c, chunk: 64, lookahead: 16,
                                          context: 48, codebooks: bad, generator: SeededRandomGenerator(seed: 1))
            } throws: { error in
                "\(error)".contains("fine codebooks must be \(c.coarse.codebooks)…\(c.fine.codebooks)") && "\(error)".contains("got \(bad)")
            }
        }
    }

    /// Fast start with a voice: the first window is a live re-prefill (history 270 → 89 semantic
    /// tokens of voice history, so 257 + 270 tokens prefilled and the context ends 167 output
    /// tokens in), the first audio comes right after that window (14 frames, then 21, 32, 48, 64),
    /// the first window starts as soon as its context exists, every coarse window after it finds
    /// the semantic stage paced ahead, and streaming still equals offline live generation token for
    /// token.
    @Test func fastStartStreamsAfterOneWindowWithTheSameTokens() throws {
        let generator = try Self.demo.get()
        let voice = try SpeechModel.randomVoice()
        var c = Self.greedyConfiguration(generator.configuration)
        c.semantic.maxNewTokens = 300
        c.semantic.minEOSProbability = nil
        var settings = LiveGenerationSettings.standard
        settings.fastStart(configuration: c)
        #expect(settings.isFastStart && settings.fineFirstChunk == 14)
        let text = "Hello world, this is a test."
        var timings = GenerationTimings()
        let offline = try LiveGeneration.generate(generator: generator, text: text, voice: voice, configuration: c, seed: 3,
                                                  settings: settings, timings: &timings)
        var states: [StreamingGenerationState] = []
        var batches: [(size: Int, coarseFrames: Int)] = []
        var streamTimings = GenerationTimings()
        streamTimings.semantic = 100  // an earlier segment's: the states carry the caller's timings on
        let streamed = try StreamingBarkGenerator(generator: generator, live: settings)
            .run(text: text, voice: voice, configuration: c, seed: 3, timings: &streamTimings,
                 observe: { states.append($0); return .keep }) { rows in
                batches.append((rows[0].count, states.last?.coarseFrames ?? -1))
            }
        // The timings grow stage by stage as the run goes (semantic seconds only with semantic
        // steps) and end where the run's do.
        for (before, after) in zip(states, states.dropFirst()) {
            #expect(after.timings.semantic >= before.timings.semantic && after.timings.coarse >= before.timings.coarse)
            if after.timings.semantic > before.timings.semantic {
                #expect(after.semanticTokens > before.semanticTokens || after.semanticFinished)
            }
        }
        #expect(states.first?.timings.semantic == 100)
        #expect(states.last?.timings == streamTimings && streamTimings.semantic > 100 && streamTimings.coarsePrefillPasses > 0)
        #expect(streamed.semantic == offline.semantic && streamed.coarse == offline.coarse)
        #expect(streamed.frames == offline.frames && batches.map(\.size).reduce(0, +) == offline.frames)
        #expect(batches.first?.coarseFrames == c.coarse.windowLength / c.coarse.codebooks)
        #expect(Array(batches.map(\.size).prefix(5)) == [14, 21, 32, 48, 64])

        // Pacing: when a window after the first starts (coarse frames grow at the next state),
        // the semantic stage holds what a re-prefill one window later would read, or has ended.
        let history = CoarseGeneration.history(for: voice, configuration: c)
        let ratio = c.semanticToCoarseRatio, semanticHistory = Int((270 / ratio).rounded(.down))
        func target(afterCoarseTokens t: Int) -> Int {
            max(0, history.semantic.count + PythonArithmetic.round(Double(t + c.coarse.windowLength) / ratio) - semanticHistory)
                + c.coarse.maxInputLength - history.semantic.count
        }
        var windowsChecked = 0
        for (before, after) in zip(states, states.dropFirst()) where after.coarseFrames > before.coarseFrames && before.coarseFrames > 0 {
            #expect(before.semanticFinished || before.semanticTokens >= target(afterCoarseTokens: before.coarseFrames * 2),
                    "window at \(before.coarseFrames) frames: \(before.semanticTokens) semantic tokens")
            windowsChecked += 1
        }
        #expect(windowsChecked >= 5)
        // No pacing before the first window: it starts as soon as its own context (167 output
        // tokens) exists.
        let first = zip(states, states.dropFirst()).first { $0.1.coarseFrames > 0 }
        #expect(first?.0.semanticTokens == 167, "first window after \(first?.0.semanticTokens ?? -1) semantic tokens")

        // The first window's placement: 527 tokens prefilled, the context ending 167 tokens in.
        var stream = CoarseStream(model: generator.models.coarse, history: history, configuration: c,
                                  generator: SeededRandomGenerator(seed: 1), live: settings.coarse)
        #expect(stream.nextWindowLength(semantic: Array(offline.semantic.prefix(166)), semanticFinished: false) == nil)
        try stream.runWindow(semantic: Array(offline.semantic.prefix(167)), semanticFinished: false)
        #expect(stream.continuation?.semanticEnd == history.semantic.count - semanticHistory + c.coarse.maxInputLength)
        #expect(stream.cache.count == c.coarse.maxInputLength + 1 + 270 + c.coarse.windowLength - 1)
    }

    /// The fast-start fine ramp on its own: 14 frames, then half as many again each window up to
    /// the chunk, the tail at the end; each window needs its chunk plus the lookahead.
    @Test func firstFineChunkGrowsByHalfUpToTheChunk() throws {
        let generator = try Self.demo.get()
        let c = generator.configuration
        var random = SeededRandomGenerator(seed: 4)
        let s = c.semantic.vocabularySize, size = c.codebookSize
        let coarse = (0..<400).map { i in s + (i % 2) * size + Int(random.next() % UInt64(size)) }
        var stream = try FineChunkedStream(model: generator.models.fine, history: nil, configuration: c, chunk: 64, lookahead: 16,
                                           context: 48, firstChunk: 14, generator: SeededRandomGenerator(seed: 1))
        #expect(!stream.canRun(coarseTokens: 2 * 29, coarseFinished: false) && stream.canRun(coarseTokens: 2 * 30, coarseFinished: false))
        var sizes: [Int] = []
        while stream.canRun(coarseTokens: coarse.count, coarseFinished: false) {
            sizes.append(try stream.run(coarse: coarse, coarseFinished: false)[0].count)
        }
        sizes.append(try stream.run(coarse: coarse, coarseFinished: true)[0].count)
        #expect(sizes == [14, 21, 32, 48, 64] + [21])
        #expect(stream.frames.count == 200)
    }

    @Test func standardFineOverlapIsBarksTwofold() {
        #expect(LiveGenerationSettings.standard.fineRecomputation == 2)
        #expect(LiveGenerationSettings.standard.fineMode == .chunked(chunk: 64, lookahead: 16, context: 48))
    }
}

/// Teacher forcing in `CoarseStream`: fed its own greedy tokens it agrees everywhere; fed other
/// tokens it appends them and counts only the steps whose own choice matched.
@Suite struct CoarseTeacherForcingTests {
    @Test func forcingOwnTokensAgreesEverywhereAndOtherTokensAreAppended() throws {
        let generator = try LiveGenerationTests.demo.get()
        let c = LiveGenerationTests.greedyConfiguration(generator.configuration)
        let semantic = Array(LiveGenerationTests.semantic.prefix(100))
        var random = SeededRandomGenerator(seed: 5)
        let own = try CoarseGeneration.generate(model: generator.models.coarse, semantic: semantic, history: nil, configuration: c, generator: &random)
        func forced(_ teacher: [Int]) throws -> CoarseStream {
            var stream = CoarseStream(model: generator.models.coarse, history: nil, configuration: c, generator: SeededRandomGenerator(seed: 5))
            stream.teacherTokens = teacher
            while !stream.isFinished(semantic: semantic, semanticFinished: true) {
                try stream.runWindow(semantic: semantic, semanticFinished: true)
            }
            return stream
        }
        let same = try forced(own)
        #expect(same.tokens == own && same.teacherMatches == own.count)
        // Swap the codes of every even step for another code of the same codebook.
        let s = c.semantic.vocabularySize, size = c.codebookSize
        let other = own.enumerated().map { i, t in i % 2 == 0 ? s + (t - s + 1) % size : t }
        let swapped = try forced(other)
        #expect(swapped.tokens == other)
        #expect(swapped.teacherMatches <= own.count / 2)
    }
}
