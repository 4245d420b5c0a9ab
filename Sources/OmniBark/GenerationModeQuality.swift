import Bark
import Foundation
import Tensors

/// How far a generation mode's output is from exact mode on the same model and weights: what each
/// live shortcut costs in quality, and what it saves in work.
///
/// Agreement is greedy and per stage, each stage fed exact mode's upstream tokens (so one stage's
/// shortcut is measured alone): the fraction of positions where the candidate's token equals exact
/// mode's (over the longer of the two sequences). The coarse stage is autoregressive, so its main
/// figure is teacher-forced: each step is fed exact mode's previous coarse tokens and its argmax
/// is compared with exact mode's (one early difference would otherwise make every later token
/// differ); the free-running figure is reported beside it. With `fineCodebooks` the fine figure
/// covers the codebooks the candidate predicts (the others are not made at all; their loss shows in
/// the SNR). The waveform SNR compares the audio a listener
/// would hear: the candidate streaming free-running (`StreamingBarkGenerator`) against exact
/// offline generation, both decoded by the model's codec.
public struct GenerationModeQuality: Sendable {
    /// The candidate mode and its settings (nil for exact).
    public let mode: GenerationMode
    public let settings: LiveGenerationSettings?
    /// The candidate's KV cache (exact mode always runs f32).
    public var kvCache: KVCachePrecision = .f32
    public let semanticAgreement: Double
    /// Teacher-forced (see above).
    public let coarseAgreement: Double
    /// Free-running: the candidate fed its own coarse tokens.
    public let coarseFreeRunningAgreement: Double
    public let fineAgreement: Double
    /// dB; `.infinity` when the audio is identical.
    public let waveformSNR: Double
    /// dB: the fine shortcut alone — exact mode's coarse tokens through the candidate's fine stage,
    /// decoded, against exact audio.
    public let fineOnlySNR: Double
    /// Work, summed over the prompts: coarse windows and prefill passes of exact mode and of the
    /// candidate, and fine model passes per frame of each (in passes over all codebooks: with
    /// `fineCodebooks` 4 of 8, a window's passes count 2/6).
    public let coarseWindows: Int
    public let exactCoarsePrefills: Int
    public let candidateCoarsePrefills: Int
    public let exactFinePassesPerFrame: Double
    public let candidateFinePassesPerFrame: Double

    /// Compares `mode` (with `settings` when live, and its KV cache in `kvCache`) against exact
    /// mode with an f32 cache on `model`, greedy, for each prompt with at most `maxSemanticTokens`
    /// semantic tokens (no early stop) and `voice`.
    public static func measure(model: SpeechModel, mode: GenerationMode, settings: LiveGenerationSettings = .standard,
                               kvCache: KVCachePrecision = .f32,
                               prompts: [String], voice: VoicePreset? = nil, maxSemanticTokens: Int = 150) throws -> GenerationModeQuality {
        var c = model.generator.configuration
        c.semantic.sampling = .greedy
        c.coarse.sampling = .greedy
        c.fine.temperature = nil
        c.semantic.maxNewTokens = maxSemanticTokens
        c.semantic.minEOSProbability = nil
        let generator = model.withKVCache(.f32).generator
        let candidate = model.withKVCache(kvCache).generator
        var agree = [0, 0, 0], count = [0, 0, 0], forcedAgree = 0, forcedCount = 0
        var signal = 0.0, noise = 0.0, fineNoise = 0.0
        var exactTimings = GenerationTimings(), candidateTimings = GenerationTimings()
        var frames = 0, exactFinePasses = 0.0, candidateFinePasses = 0.0
        for prompt in prompts {
            let seeds = StageRandomGenerators(seed: 1)
            let exact = try generator.generate(text: prompt, voice: voice, configuration: c, seed: 1, timings: &exactTimings)
            let coarse: [Int], fine: [[Int]], heard: BarkGeneration
            var ignored = GenerationTimings()
            switch mode {
            case .exact:
                var coarseRandom = seeds.coarse, fineRandom = seeds.fine
                coarse = try CoarseGeneration.generate(model: candidate.models.coarse, semantic: exact.semantic,
                                                       history: voice.map { CoarseGeneration.history(for: $0, configuration: c) },
                                                       configuration: c, generator: &coarseRandom, timings: &candidateTimings)
                fine = try FineGeneration.generate(model: candidate.models.fine, coarse: exact.coarse, history: voice?.finePrompt,
                                                   configuration: c, generator: &fineRandom)
                heard = try StreamingBarkGenerator(generator: candidate, fineMode: .exact)
                    .run(text: prompt, voice: voice, configuration: c, seed: 1, timings: &ignored) { _ in }
            case .live:
                coarse = try LiveGeneration.coarseTokens(model: candidate.models.coarse, semantic: exact.semantic, voice: voice,
                                                         configuration: c, settings: settings.coarse, generator: seeds.coarse,
                                                         timings: &candidateTimings)
                fine = try LiveGeneration.fineCodes(model: candidate.models.fine, coarse: exact.coarse, voice: voice, configuration: c,
                                                    settings: settings, generator: seeds.fine, timings: &ignored)
                heard = try StreamingBarkGenerator(generator: candidate, live: settings)
                    .run(text: prompt, voice: voice, configuration: c, seed: 1, timings: &ignored) { _ in }
            }
            var forced = CoarseStream(model: candidate.models.coarse, history: voice.map { CoarseGeneration.history(for: $0, configuration: c) },
                                      configuration: c, generator: seeds.coarse, live: mode == .live ? settings.coarse : nil)
            forced.teacherTokens = exact.coarse
            while !forced.isFinished(semantic: exact.semantic, semanticFinished: true) {
                try forced.runWindow(semantic: exact.semantic, semanticFinished: true, timings: &ignored)
            }
            forcedAgree += forced.teacherMatches
            forcedCount += exact.coarse.count
            for (i, pair) in [(exact.semantic, heard.semantic), (exact.coarse, coarse),
                              (exact.fine.prefix(fine.count).flatMap { $0 }, fine.flatMap { $0 })].enumerated() {
                agree[i] += zip(pair.0, pair.1).filter { $0 == $1 }.count
                count[i] += max(pair.0.count, pair.1.count)
            }
            let a = try model.codec.decode(codes: exact.fine), b = try model.codec.decode(codes: heard.fine)
            let f = try model.codec.decode(codes: fine)
            for i in 0..<max(a.count, b.count, f.count) {
                let x = i < a.count ? Double(a[i]) : 0, y = i < b.count ? Double(b[i]) : 0, z = i < f.count ? Double(f[i]) : 0
                signal += x * x
                noise += (x - y) * (x - y)
                fineNoise += (x - z) * (x - z)
            }
            let historyFrames = min(voice?.finePrompt.first?.count ?? 0, c.fine.maxHistoryLength)
            frames += exact.frames
            exactFinePasses += Double(FineGeneration.windowCount(frames: exact.frames, historyFrames: historyFrames, configuration: c)
                                      * c.fine.maxInputLength)
            // Fewer codebooks: the share of the per-codebook passes that still run.
            let predicted = Double((settings.fineCodebooks ?? c.fine.codebooks) - c.coarse.codebooks)
            let codebookShare = predicted / Double(max(1, c.fine.codebooks - c.coarse.codebooks))
            candidateFinePasses += mode == .live ? Double(exact.frames) * settings.fineRecomputation * codebookShare
                : Double(FineGeneration.windowCount(frames: exact.frames, historyFrames: historyFrames, configuration: c) * c.fine.maxInputLength)
        }
        func share(_ i: Int) -> Double { count[i] > 0 ? Double(agree[i]) / Double(count[i]) : 1 }
        func snr(_ noise: Double) -> Double { noise == 0 ? .infinity : 10 * log10(signal / max(noise, 1e-30)) }
        var quality = GenerationModeQuality(
            mode: mode, settings: mode == .live ? settings : nil,
            semanticAgreement: share(0), coarseAgreement: forcedCount > 0 ? Double(forcedAgree) / Double(forcedCount) : 1,
            coarseFreeRunningAgreement: share(1), fineAgreement: share(2),
            waveformSNR: snr(noise), fineOnlySNR: snr(fineNoise),
            coarseWindows: exactTimings.coarseWindows, exactCoarsePrefills: exactTimings.coarsePrefillPasses,
            candidateCoarsePrefills: candidateTimings.coarsePrefillPasses,
            exactFinePassesPerFrame: frames > 0 ? exactFinePasses / Double(frames) : 0,
            candidateFinePassesPerFrame: frames > 0 ? candidateFinePasses / Double(frames) : 0)
        quality.kvCache = kvCache
        return quality
    }

    /// The report as `omnibark quality --mode` prints it: one `key: value` line each for `mode`,
    /// `settings`, `agreement semantic`, `agreement coarse`, `agreement coarse free-running`,
    /// `agreement fine`, `waveform snr`,
    /// `waveform snr fine only`, `coarse prefills`, `fine passes per frame`.
    public var reportLines: [String] {
        func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
        func decibels(_ x: Double) -> String { x.isInfinite ? "inf dB (identical audio)" : String(format: "%.1f dB", x) }
        let settingsText = settings.map { $0.reportFields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") } ?? "none (exact)"
        return ["mode: \(mode.rawValue)" + (kvCache == .f32 ? " vs exact" : ", \(kvCache.rawValue) KV cache vs exact (f32 KV cache)"),
                "settings: \(settingsText)",
                "agreement semantic: \(percent(semanticAgreement)) "
                    + (kvCache == .f32 ? "(no semantic shortcut: fed the same text, it must agree)" : "(the semantic GPT's cache is \(kvCache.rawValue) too)"),
                "agreement coarse: \(percent(coarseAgreement)) (fed exact semantic tokens; teacher-forced: each step fed exact coarse history)",
                "agreement coarse free-running: \(percent(coarseFreeRunningAgreement)) (fed its own coarse tokens)",
                "agreement fine: \(percent(fineAgreement)) (fed exact coarse tokens"
                    + (settings?.fineCodebooks.map { "; codebooks 0..<\($0) only, the rest not predicted" } ?? "") + ")",
                "waveform snr: " + decibels(waveformSNR) + " (candidate streaming, free-running, vs exact offline)",
                "waveform snr fine only: " + decibels(fineOnlySNR) + " (exact coarse tokens through the candidate's fine stage)",
                "coarse prefills: \(candidateCoarsePrefills) (exact \(exactCoarsePrefills), for \(coarseWindows) windows of 60 tokens)",
                String(format: "fine passes per frame: %.2f (exact %.2f)", candidateFinePassesPerFrame, exactFinePassesPerFrame)]
    }
}
