import ArgumentParser
import Bark
import Foundation
import OmniBark
import Tensors

/// `omnibark quality`: how far each weight format is from float32.
struct QualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Report how far the bf16, int8 and q4 weight formats are from float32, or live mode from exact mode, on a model.",
        discussion: """
        For each format: max and mean relative logit error of each stage on fixed probes, greedy token \
        agreement per stage (each stage fed float32's upstream tokens) over a fixed prompt set, and the \
        SNR of the final audio against float32's. Without --model, random weights of --shape are used \
        (agreement on random weights says little about real ones).

        With --mode live: live mode against exact mode on the same weights (--weights, default f32): \
        greedy token agreement per stage (each stage fed exact mode's upstream tokens), the SNR of \
        live streaming audio against exact audio, and the work each shortcut saves (coarse prefills, \
        fine model passes per frame). --mode exact compares exact mode with itself (100 %, infinite SNR).

        Examples:
          omnibark quality --model ~/.cache/omnibark/models/bark-small
          omnibark quality --shape bark-small --formats int8 --max-semantic-tokens 20
          omnibark quality --model ./demo --mode live
        """)

    @Option(help: ArgumentHelp("Model directory (default: random weights of --shape).", valueName: "dir"))
    var model: String?

    @Option(help: "Shape for random weights: bark-small or bark.")
    var shape: BarkShapeArgument = .barkSmall

    @Option(help: "Formats to compare with f32, comma-separated.")
    var formats = "bf16,int8,q4"

    @Option(name: .customLong("max-semantic-tokens"), help: "Semantic tokens per prompt in the generation comparison (default 40; 150 with --mode).")
    var maxSemanticTokens: Int?

    @Option(help: "Compare this generation mode with exact mode instead of weight formats: live or exact.")
    var mode: GenerationModeArgument?

    @Option(help: "With --mode: the weight format both modes use (f32, bf16, int8, q4).")
    var weights: WeightFormatArgument = .f32

    @Option(help: "With --mode live: fine frames finalized per window (default 64).")
    var chunk: Int?

    @Option(help: "With --mode live: fine frames of lookahead per window (default 16).")
    var lookahead: Int?

    @Option(help: "With --mode live: fine frames of context per window (default 48).")
    var context: Int?

    @Option(name: .customLong("live-coarse-history"), help: "With --mode live: coarse tokens of history when the coarse stage re-reads its window (default 270).")
    var liveCoarseHistory: Int?

    @Option(name: .customLong("kv-cache"), help: "With --mode: the candidate's KV cache, f32 or f16 (exact mode, the reference, keeps f32).")
    var kvCache: KVCachePrecision = .f32

    @Option(name: .customLong("fine-codebooks"), help: ArgumentHelp("With --mode live: predict and decode only the first n of the fine stage's 8 codebooks (2…8; default all).", valueName: "n"))
    var fineCodebooks: Int?

    @Flag(name: .customLong("fast-start"), help: "With --mode live: the fast-start shortcut (first coarse window placed like a live re-prefill, semantic stage paced, a short first fine window).")
    var fastStart = false

    func validate() throws {
        if fastStart, mode != .live { throw ValidationError("--fast-start needs --mode live") }
        if let chunk, chunk <= 0 { throw ValidationError("--chunk must be positive, got \(chunk)") }
        if let lookahead, lookahead < 0 { throw ValidationError("--lookahead must not be negative, got \(lookahead)") }
        if let context, context < 0 { throw ValidationError("--context must not be negative, got \(context)") }
        if let liveCoarseHistory, liveCoarseHistory < 0 || liveCoarseHistory % 2 != 0 {
            throw ValidationError("--live-coarse-history must be an even number of tokens ≥ 0, got \(liveCoarseHistory)")
        }
        if let fineCodebooks {
            guard (2...8).contains(fineCodebooks) else { throw ValidationError("--fine-codebooks must be 2…8, got \(fineCodebooks)") }
            guard mode == .live else { throw ValidationError("--fine-codebooks needs --mode live") }
        }
        if kvCache != .f32 && mode == nil { throw ValidationError("--kv-cache \(kvCache.rawValue) needs --mode (exact or live)") }
    }

    func run() throws {
        if let mode { return try compareModes(mode.mode) }
        let maxSemanticTokens = maxSemanticTokens ?? 40
        let chosen = try formats.split(separator: ",").map { name -> WeightFormat in
            guard let format = WeightFormat(rawValue: String(name)), format != .f32 else {
                throw ValidationError("unknown format '\(name)' in --formats (use bf16, int8, q4)")
            }
            return format
        }
        func load(_ format: WeightFormat) throws -> SpeechModel {
            if let model { return try SpeechModel(directory: URL(fileURLWithPath: (model as NSString).expandingTildeInPath), weightFormat: format) }
            return try SpeechModel.synthetic(shape: shape.shape, weightFormat: format)
        }
        let reference = try load(.f32)
        let prompts = ["Hello, my dog is cute.", "The quick brown fox jumps over the lazy dog.", "This is a test of the engine."]
        print("model \(model ?? shape.rawValue), \(KernelPath.active.rawValue) kernels, \(prompts.count) prompts, ≤ \(maxSemanticTokens) semantic tokens each")
        print("format  logit err max/mean: semantic       coarse          fine            agreement: semantic coarse fine   waveform SNR")
        for format in chosen {
            let maxSemanticTokens = self.maxSemanticTokens ?? 40
            let q = try WeightFormatQuality.measure(reference: reference, candidate: try load(format), prompts: prompts,
                                                    maxSemanticTokens: maxSemanticTokens)
            func e(_ l: WeightFormatQuality.LogitError) -> String { String(format: "%.1e/%.1e", l.maxRelative, l.meanRelative) }
            print(String(format: "%-6@  %@  %@  %@   %6.1f%% %6.1f%% %6.1f%%   %6.1f dB", format.rawValue, e(q.semanticLogits),
                         e(q.coarseLogits), e(q.fineLogits), q.semanticAgreement * 100, q.coarseAgreement * 100,
                         q.fineAgreement * 100, q.waveformSNR))
        }
    }

    private func compareModes(_ mode: GenerationMode) throws {
        let tokens = maxSemanticTokens ?? 150
        let speech = try model.map { try SpeechModel(directory: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath), weightFormat: weights.format) }
            ?? SpeechModel.synthetic(shape: shape.shape, weightFormat: weights.format)
        try FineCodebooksCheck.validate(fineCodebooks, model: speech)
        let prompts = ["Hello, my dog is cute.", "The quick brown fox jumps over the lazy dog.", "This is a test of the engine."]
        // Random weights get a random voice (as `bench` does), so coarse windows carry a full history.
        let voice = model == nil ? try SpeechModel.randomVoice() : nil
        print("model \(model ?? shape.rawValue), \(weights.rawValue) weights, \(KernelPath.active.rawValue) kernels, \(prompts.count) prompts, "
              + "\(tokens) semantic tokens each, greedy, \(voice == nil ? "no voice" : "a random voice")")
        var settings = LiveGenerationSettings.standard
        if let chunk { settings.fineChunk = chunk }
        if let lookahead { settings.fineLookahead = lookahead }
        if let context { settings.fineContext = context }
        if let liveCoarseHistory { settings.coarse.history = liveCoarseHistory }
        settings.fineCodebooks = fineCodebooks
        if fastStart { settings.fastStart(configuration: speech.generator.configuration) }
        let quality = try GenerationModeQuality.measure(model: speech, mode: mode, settings: settings, kvCache: kvCache, prompts: prompts, voice: voice,
                                                        maxSemanticTokens: tokens)
        for line in quality.reportLines { print(line) }
    }
}
