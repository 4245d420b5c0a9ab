import ArgumentParser
import Bark
import OmniBark

/// How `live` and `serve` stream: the fine-stage mode and the gapless playback policy. Unset
/// flags take the preset's values (`--preset`), else the defaults below.
struct StreamingOptions: ParsableArguments {
    @Option(help: ArgumentHelp(EnginePreset.optionHelp, valueName: EnginePreset.optionValueName))
    var preset: String?

    @Option(name: .customLong("fine-mode"), help: "Fine stage while streaming: chunked (first audio after about a second of coarse tokens; default) or exact (equals speak token for token, plays once the coarse stage finished).")
    var fineMode: FineModeArgument?

    @Option(help: "Chunked fine mode: frames finalized per window (75 per second; default 32, 64 in live mode).")
    var chunk: Int?

    @Option(help: "Chunked fine mode: frames of lookahead per window (default 32, 16 in live mode).")
    var lookahead: Int?

    @Option(help: "Chunked fine mode: frames of context per window (default 256, 48 in live mode).")
    var context: Int?

    @Option(help: "Generation mode: exact (Bark's windows) or live (coarse KV cache continued across windows, fine windows with 2x overlap: faster, tokens differ; see `omnibark quality --mode live`). Default: the preset's, else exact.")
    var mode: GenerationModeArgument?

    @Option(name: .customLong("live-coarse-history"), help: "Live mode: coarse tokens of history when the coarse stage re-reads its window (even, ≤ 630; default 270).")
    var liveCoarseHistory: Int?

    @Option(name: .customLong("fine-codebooks"), help: ArgumentHelp("Live mode: predict and decode only the first n of the fine stage's 8 codebooks (2…8; 4 = EnCodec at 3 kbit/s, a third of the fine passes). Default: the preset's, else all.", valueName: "n"))
    var fineCodebooks: Int?

    @Flag(name: .customLong("fast-start"), help: "Live mode: start sooner — the first coarse window placed like a live re-prefill, the semantic stage kept ahead of the coarse stage (so semantic steering reaches the audio later), and a first fine window of one coarse window's frames. Default: the preset's generation.fast_start, else off.")
    var fastStart = false

    @Option(name: .customLong("min-lead"), help: ArgumentHelp("Gapless playback: seconds of audio held before an utterance starts playing, at least (default 0.2; more when generation is slower than real time).", valueName: "seconds"))
    var minLead: Double?

    @Option(name: .customLong("realtime-priority"), help: ArgumentHelp("Run the generation thread under SCHED_FIFO at this priority (below JACK's) where permitted; default: normal scheduling with nice −5.", valueName: "n"))
    var realtimePriority: Int?

    @Flag(name: .customLong("no-gapless"), help: "Play each chunk as soon as it exists (gaps whenever generation is slower than real time).")
    var noGapless = false

    /// The preset named by --preset (nil without one); errors name the file and field.
    func loadPreset() throws -> EnginePreset? {
        try preset.map { try EnginePreset.resolve($0) }
    }

    func validate() throws {
        if let chunk, chunk <= 0 { throw ValidationError("--chunk must be positive, got \(chunk)") }
        if let lookahead, lookahead < 0 { throw ValidationError("--lookahead must not be negative, got \(lookahead)") }
        if let context, context < 0 { throw ValidationError("--context must not be negative, got \(context)") }
        if let fineCodebooks, !(2...8).contains(fineCodebooks) {
            throw ValidationError("--fine-codebooks must be 2…8 (Bark's fine stage has 8 codebooks, the coarse stage gives 2), got \(fineCodebooks)")
        }
        if let liveCoarseHistory, liveCoarseHistory < 0 || liveCoarseHistory % 2 != 0 {
            throw ValidationError("--live-coarse-history must be an even number of tokens ≥ 0, got \(liveCoarseHistory)")
        }
        if let minLead, !(minLead >= 0 && minLead.isFinite) { throw ValidationError("--min-lead must be a number of seconds ≥ 0, got \(minLead)") }
    }

    /// The fine mode: the flags over `base`.
    func fineStreamingMode(base: FineStreamingMode = .lowLatency) -> FineStreamingMode {
        var (chunkFrames, lookaheadFrames, contextFrames) = (32, 32, 256)
        if case let .chunked(c, l, x) = base { (chunkFrames, lookaheadFrames, contextFrames) = (c, l, x) }
        let exact = fineMode.map { $0 == .exact } ?? (base == .exact)
        if exact { return .exact }
        return .chunked(chunk: chunk ?? chunkFrames, lookahead: lookahead ?? lookaheadFrames, context: context ?? contextFrames)
    }

    /// The generation mode: the flag, else the preset's, else exact.
    func generationMode(base: EnginePreset.GenerationMode?) -> GenerationMode {
        mode?.mode ?? (base == .live ? .live : .exact)
    }

    /// The live settings: the defaults with --chunk, --lookahead, --context,
    /// --live-coarse-history, --fine-codebooks (else the preset's `fine_codebooks`) and
    /// --fast-start (or the preset's `fast_start`) applied.
    /// Throws when --fine-codebooks is given outside live mode (`mode`), where it would do nothing,
    /// or when it (or the preset's `fine_codebooks`) is more than `model`'s fine stage has.
    func liveSettings(preset: EnginePreset.Generation? = nil, mode: GenerationMode = .live, model: SpeechModel) throws -> LiveGenerationSettings {
        if let fineCodebooks, mode != .live {
            throw ValidationError("--fine-codebooks \(fineCodebooks) is a live-mode shortcut: add --mode live (or a preset with \"mode\": \"live\")")
        }
        if fastStart, mode != .live {
            throw ValidationError("--fast-start is a live-mode shortcut: add --mode live (or a preset with \"mode\": \"live\")")
        }
        var settings = LiveGenerationSettings.standard
        settings.fineCodebooks = fineCodebooks ?? preset?.fineCodebooks
        try FineCodebooksCheck.validate(settings.fineCodebooks, model: model,
                                        source: fineCodebooks != nil ? "--fine-codebooks" : "the preset's generation.fine_codebooks")
        if let chunk { settings.fineChunk = chunk }
        if let lookahead { settings.fineLookahead = lookahead }
        if let context { settings.fineContext = context }
        if let liveCoarseHistory { settings.coarse.history = liveCoarseHistory }
        if fastStart || preset?.fastStart == true { settings.fastStart(configuration: model.generator.configuration) }
        return settings
    }

    /// The gapless gate: nil with --no-gapless; the minimum lead is the flag, else `baseLead`.
    func gate(baseLead: Double = 0.2) -> GaplessPlaybackGate? {
        noGapless ? nil : GaplessPlaybackGate(minimumLead: minLead ?? baseLead)
    }
}

enum GenerationModeArgument: String, ExpressibleByArgument, CaseIterable {
    case exact, live
    var mode: GenerationMode { self == .live ? .live : .exact }
}

enum FineModeArgument: String, ExpressibleByArgument, CaseIterable {
    case exact, chunked
}
