import ArgumentParser
import Bark
import Checkpoints
import Foundation
import OmniBark
import Tensors

/// `omnibark bench`: per-stage speed, real-time factor and time to first audio.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure generation speed per stage, real-time factor and time to first audio.",
        discussion: """
        Without --model, random weights of the real Bark shapes are made in memory (speed does not \
        depend on weight values). The semantic stage is run for --seconds of audio (49.9 tokens per \
        second) without an early stop, then the same text is generated again in streaming mode to \
        measure the time to first audio.

        With --live-seconds, the live engine then speaks into JACK (a private `jackd -d dummy` \
        unless --server is given) and reports per-utterance time to first audio, gaps and the \
        gapless lead. --events steers it while it speaks, once a second per source (an SFX \
        trigger and a beat posted to the API, sent over OSC on loopback, and played by a JACK \
        MIDI client into control_in), and reports event-to-effect latency per source; \
        --reference plays a tone into reference_in and reports the EnCodec encoder's cost. Both \
        give the model adapters with random weights so that events and reference go through \
        the fusion path.

        Examples:
          omnibark bench --shape bark-small --seconds 5.12
          omnibark bench --model ~/.cache/omnibark/models/bark-small --threads 2 --json
          omnibark bench --shape bark-small --weights int8 --live-seconds 30 --events --reference --json
        """)

    @Option(help: ArgumentHelp("A model directory instead of random weights.", valueName: "dir"))
    var model: String?

    @Option(help: "Model shape for random weights: bark-small, bark, or demo (the tiny demo model).")
    var shape: BarkShapeArgument = .barkSmall

    @Option(help: "Weight format of the transformers' linear layers: f32, bf16, int8 or q4.")
    var weights: WeightFormatArgument = .f32

    @Option(help: "Generation mode: exact (Bark's windows) or live (coarse KV cache continued across windows, fine windows with 2x overlap; see `omnibark quality --mode live`).")
    var mode: GenerationModeArgument = .exact

    @Option(name: .customLong("kv-cache"), help: "KV cache of the semantic and coarse GPTs: f32 (default) or f16 (half the cache traffic per decoding step).")
    var kvCache: KVCachePrecision = .f32

    @Option(name: .customLong("live-coarse-history"), help: ArgumentHelp("With --mode live: coarse tokens of history when the coarse stage re-reads its window (even, ≤ 630; default 270).", valueName: "n"))
    var liveCoarseHistory: Int?

    @Option(name: .customLong("fine-codebooks"), help: ArgumentHelp("With --mode live: predict and decode only the first n of the fine stage's codebooks (2…8).", valueName: "n"))
    var fineCodebooks: Int?

    @Flag(name: .customLong("fast-start"), help: "With --mode live: the first coarse window placed like a live re-prefill, the semantic stage kept ahead of the coarse stage, and a first fine window of one coarse window's frames (see README, \"Fast start\").")
    var fastStart = false

    @Option(help: "Seconds of audio to generate.")
    var seconds: Double = 5.12

    @Option(help: "Compute threads (the kernels' thread pool and OpenBLAS); default: all cores.")
    var threads: Int?

    @Option(name: .customLong("live-seconds"), help: "Also run the live engine into JACK for this many seconds of audio: per-utterance time to first audio, gaps, gapless lead, underruns.")
    var liveSeconds: Double?

    @Option(help: "JACK server for --live-seconds (default: a private jackd -d dummy started for the run).")
    var server: String?

    @Flag(help: "With --live-seconds: steer the engine while it speaks (API, OSC and JACK MIDI events) and report event-to-effect latency per source.")
    var events = false

    @Flag(help: "With --live-seconds: play live reference audio into reference_in and report the encoder's cost.")
    var reference = false

    @Flag(name: .customLong("no-gapless"), help: "With --live-seconds: play each chunk as soon as it exists (for comparison with the gapless policy).")
    var noGapless = false

    @Flag(name: .customLong("all-modalities"), help: "With --live-seconds: condition every utterance on a style, 5 s of reference audio, an image and control events (random adapters and a random CLIP ViT-B/32 tower).")
    var allModalities = false

    @Option(help: ArgumentHelp("With --live-seconds: the latency router (budget: 1 s to first audio, 0.2 s lead).", valueName: "on|off"))
    var router: RouterSwitch = .off

    @Flag(help: "With --live-seconds: keep one core busy during the run (stress-ng --cpu 1, or a spinning thread).")
    var hog = false

    @Option(name: .customLong("cost-profile"), help: ArgumentHelp("With --router on: warm-start the router's cost model from this profile.", valueName: "file"))
    var costProfile: String?

    @Option(name: .customLong("router-steps"), help: ArgumentHelp("With --router on: the router's steps in the order it takes them, comma-separated (default: \(RouterStep.defaultOrder.map(\.rawValue).joined(separator: ","))); a step left out is never taken, as with a preset's `router_steps`.", valueName: "list"))
    var routerSteps: String?

    @Option(name: .customLong("lighter-weights"), help: ArgumentHelp("With --router on: load the model a second time in this lighter format (e.g. q4 beside --weights int8) for the router's lighter-weights step, which speaks the next utterances with it while the machine cannot keep up.", valueName: "format"))
    var lighterWeights: WeightFormatArgument?

    @Option(help: ArgumentHelp("Measure this machine's per-component costs (stages, timed on at least 5.12 s of audio whatever --seconds says; fusion layer step; encoders) and write them as a cost profile for --cost-profile.", valueName: "file"))
    var calibrate: String?

    @Flag(name: .customLong("no-weight-cache"), help: "With --model and --weights int8|q4|bf16: quantize while loading instead of reading (or writing) the pre-quantized weight cache.")
    var noWeightCache = false

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let fineCodebooks {
            guard (2...8).contains(fineCodebooks) else { throw ValidationError("--fine-codebooks must be 2…8, got \(fineCodebooks)") }
            guard mode == .live else { throw ValidationError("--fine-codebooks \(fineCodebooks) is a live-mode shortcut: add --mode live") }
        }
        if let liveCoarseHistory {
            guard liveCoarseHistory >= 0, liveCoarseHistory % 2 == 0 else {
                throw ValidationError("--live-coarse-history must be an even number of tokens ≥ 0, got \(liveCoarseHistory)")
            }
            guard mode == .live else { throw ValidationError("--live-coarse-history is a live-mode setting: add --mode live") }
        }
        if fastStart, mode != .live { throw ValidationError("--fast-start is a live-mode shortcut: add --mode live") }
        if let lighterWeights {
            guard router == .on else { throw ValidationError("--lighter-weights is the router's step: add --router on") }
            do { try LighterWeights.check(lighterWeights.format, isLighterThan: weights.format) } catch { throw ValidationError("\(error)") }
        }
        if routerSteps != nil {
            guard router == .on else { throw ValidationError("--router-steps orders the router's steps: add --router on") }
            _ = try routerOrder()
        }
        if let calibrate { try OutputFile.check((calibrate as NSString).expandingTildeInPath) }
        if let liveSeconds, !(liveSeconds > 0 && liveSeconds.isFinite) {
            throw ValidationError("--live-seconds must be a positive number of seconds, got \(liveSeconds)")
        }
        if liveSeconds == nil {
            for (flag, set) in [("--events", events), ("--reference", reference), ("--no-gapless", noGapless), ("--server", server != nil),
                                ("--all-modalities", allModalities), ("--router on", router == .on), ("--hog", hog)] where set {
                throw ValidationError("\(flag) needs --live-seconds")
            }
        }
    }

    /// `--router-steps` as steps (the default order without it).
    func routerOrder() throws -> [RouterStep] {
        guard let routerSteps else { return RouterStep.defaultOrder }
        let names = routerSteps.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        do {
            return try RouterStep.order(named: names)
        } catch RouterStep.ListProblem.unknown(_, let name) {
            throw ValidationError("--router-steps: '\(name)' is not a router step (one of \(RouterStep.allCases.map(\.rawValue).joined(separator: ", ")))")
        } catch RouterStep.ListProblem.repeated(_, let name) {
            throw ValidationError("--router-steps: '\(name)' is listed twice")
        }
    }

    func run() throws {
        if let threads { ComputeThreads.configure(threads) }
        let loadStart = Date()
        let speech = try load(weights.format)
        try FineCodebooksCheck.validate(fineCodebooks, model: speech)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let voice = try model == nil ? SpeechModel.randomVoice() : nil
        let liveSettings = liveSettings(for: speech)
        let run = try BenchmarkRun.measure(model: speech, text: BenchmarkRun.text,
                                           voice: voice, seconds: seconds, mode: mode.mode, live: liveSettings)
        let label = model ?? shape.rawValue
        let live = try liveSeconds.map { seconds in
            var settings = LiveEngineBenchmarkSettings(seconds: seconds, server: server)
            settings.events = events
            settings.reference = reference
            if noGapless { settings.gapless = nil }
            settings.allModalities = allModalities
            settings.mode = mode.mode
            settings.live = liveSettings
            settings.hog = hog
            if router == .on {
                let costs = try costProfile.map { try CostProfile.load(contentsOf: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath)) }
                settings.router = RouterSettings(budget: EnginePreset.Latency(targetFirstAudio: 1, maxLag: 0.25, minLead: 0.2),
                                                 order: try routerOrder(), costs: costs ?? CostModel(), required: [.text],
                                                 lighter: try lighterWeights.map { try lighter($0.format, primary: speech) })
            }
            return try LiveEngineBenchmark.measure(model: speech, voice: voice, settings: settings,
                                                   log: { FileHandle.standardError.write(Data(("[live] " + $0 + "\n").utf8)) })
        }
        if let calibrate {
            let costs = try CostCalibration.measure(model: speech, voice: voice, run: run)
            let path = (calibrate as NSString).expandingTildeInPath
            try AtomicFileWriter.write(Data(CostProfile.json(costs, description: "omnibark bench --calibrate: \(label), \(weights.rawValue) weights, \(ThreadPool.shared.threads) threads").utf8),
                                       to: URL(fileURLWithPath: path))
            FileHandle.standardError.write(Data("wrote the cost profile \(path): \(costs.profile.keys.sorted().map { String(format: "%@ %.4g s", $0, costs.profile[$0] ?? 0) }.joined(separator: ", "))\n".utf8))
        }
        let cache = speech.weightCache?.outcome.rawValue ?? "none"
        print(json ? jsonReport(run, label: label, load: loadSeconds, cache: cache, live: live)
                   : table(run, label: label, load: loadSeconds, cache: cache, live: live))
    }

    /// The live mode's defaults with --fine-codebooks, --live-coarse-history and --fast-start.
    private func liveSettings(for speech: SpeechModel) -> LiveGenerationSettings {
        var settings = LiveGenerationSettings.standard
        settings.fineCodebooks = fineCodebooks
        if let liveCoarseHistory { settings.coarse.history = liveCoarseHistory }
        if fastStart { settings.fastStart(configuration: speech.generator.configuration) }
        return settings
    }

    /// The model to measure in `format`: --model's directory, else random weights of --shape
    /// (the same weights whatever the format), with --kv-cache.
    private func load(_ format: WeightFormat) throws -> SpeechModel {
        let loaded = try model.map { try SpeechModel(directory: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath),
                                                      weightFormat: format, useWeightCache: !noWeightCache) }
            ?? (shape == .demo ? try demoModel(format) : SpeechModel.synthetic(shape: shape.shape, weightFormat: format))
        return loaded.withKVCache(kvCache)
    }

    /// --lighter-weights: the same model in `format`, its decoding cost against `primary`'s measured.
    private func lighter(_ format: WeightFormat, primary: SpeechModel) throws -> LighterWeights {
        let lighter = try LighterWeights.measure(primary: primary, lighter: try load(format))
        FileHandle.standardError.write(Data(lighter.summary(against: weights.format).utf8))
        return lighter
    }

    /// The demo model, created in a temporary folder.
    private func demoModel(_ format: WeightFormat) throws -> SpeechModel {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-bench-demo")
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) {
            // Without config.json the folder is the leftover of a run that stopped midway: overwrite it.
            try DemoModel.create(at: directory, overwrite: true)
        }
        return try SpeechModel(directory: directory, weightFormat: format)
    }

    private func table(_ r: BenchmarkRun, label: String, load: Double, cache: String, live: LiveEngineBenchmarkReport?) -> String {
        let t = r.timings
        let coarseFrames = r.coarseTokens / 2
        func rate(_ n: Int, _ s: Double) -> String { s > 0 ? String(format: "%.1f", Double(n) / s) : "-" }
        var lines = ["model \(label), \(mode.rawValue) mode, \(weights.rawValue) weights, \(kvCache.rawValue) KV cache, \(KernelPath.active.rawValue) kernels, \(ThreadPool.shared.threads) compute threads, loaded in \(String(format: "%.1f", load)) s (weight cache: \(cache))",
                     String(format: "audio %.2f s; real-time factor %.2f offline, %.2f streaming; time to first audio %.2f s (gapless from %.2f s); peak memory %.0f MiB",
                            r.audioSeconds, r.realTimeFactor, r.streamingRealTimeFactor, r.timeToFirstAudio, r.gaplessStart, r.peakMemoryMiB),
                     "",
                     "stage     units            seconds  units/s  detail"]
        lines.append(String(format: "semantic  %5d tokens     %7.2f  %7@", r.semanticTokens, t.semantic, rate(r.semanticTokens, t.semantic)))
        lines.append(String(format: "coarse    %5d tokens     %7.2f  %7@  %d windows, %d prefills, prefill %.3f s/window", r.coarseTokens, t.coarse,
                            rate(r.coarseTokens, t.coarse), t.coarseWindows, t.coarsePrefillPasses,
                            t.coarseWindows > 0 ? t.coarsePrefill / Double(t.coarseWindows) : 0))
        lines.append(String(format: "fine      %5d frames     %7.2f  %7@  %d windows, %.3f s/window", coarseFrames, t.fine,
                            rate(coarseFrames, t.fine), t.fineWindows, t.fineWindows > 0 ? t.fine / Double(t.fineWindows) : 0))
        lines.append(String(format: "codec     %5d frames     %7.2f  %7@  %.3f s per audio second one-shot, %.3f streamed", coarseFrames, t.codec,
                            rate(coarseFrames, t.codec), r.audioSeconds > 0 ? t.codec / r.audioSeconds : 0,
                            r.audioSeconds > 0 ? r.streamingCodecSeconds / r.audioSeconds : 0))
        if let settings = r.liveSettings {
            lines.append("live settings: " + settings.reportFields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if let live { lines += LiveBenchFormatting.lines(live) }
        let pool = ThreadPool.shared.contention
        if pool.backoffs > 0 {
            lines.append(String(format: "thread pool: %d back-offs from preempted workers, %.1f %% of jobs on one thread", pool.backoffs, 100 * pool.inlineShare))
        }
        return lines.joined(separator: "\n")
    }

    private func jsonReport(_ r: BenchmarkRun, label: String, load: Double, cache: String, live: LiveEngineBenchmarkReport?) -> String {
        let t = r.timings
        var object: [String: Any] = [
            "model": label, "mode": r.mode.rawValue, "weights": weights.rawValue, "kv_cache": kvCache.rawValue, "kernels": KernelPath.active.rawValue, "threads": ThreadPool.shared.threads, "load_s": load, "weight_cache": cache,
            "audio_s": r.audioSeconds, "real_time_factor": r.realTimeFactor, "streaming_real_time_factor": r.streamingRealTimeFactor,
            "time_to_first_audio_s": r.timeToFirstAudio, "gapless_start_s": r.gaplessStart, "peak_memory_mib": r.peakMemoryMiB,
            "stages": [
                "semantic": ["tokens": r.semanticTokens, "seconds": t.semantic, "tokens_per_s": t.semantic > 0 ? Double(r.semanticTokens) / t.semantic : 0],
                "coarse": ["tokens": r.coarseTokens, "seconds": t.coarse, "tokens_per_s": t.coarse > 0 ? Double(r.coarseTokens) / t.coarse : 0,
                           "windows": t.coarseWindows, "prefill_passes": t.coarsePrefillPasses, "prefill_s_per_window": t.coarseWindows > 0 ? t.coarsePrefill / Double(t.coarseWindows) : 0],
                "fine": ["frames": r.coarseTokens / 2, "seconds": t.fine, "windows": t.fineWindows,
                         "s_per_window": t.fineWindows > 0 ? t.fine / Double(t.fineWindows) : 0],
                "codec": ["seconds": t.codec, "s_per_audio_s": r.audioSeconds > 0 ? t.codec / r.audioSeconds : 0,
                          "streaming_seconds": r.streamingCodecSeconds,
                          "streaming_s_per_audio_s": r.audioSeconds > 0 ? r.streamingCodecSeconds / r.audioSeconds : 0],
            ],
        ]
        if let settings = r.liveSettings { object["live_settings"] = settings.reportFields }
        if let live { object["live"] = LiveBenchFormatting.json(live) }
        let pool = ThreadPool.shared.contention
        object["pool_contention"] = ["backoffs": pool.backoffs, "inline_jobs": pool.inlineJobs, "parallel_jobs": pool.parallelJobs]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

enum BarkShapeArgument: String, ExpressibleByArgument, CaseIterable {
    case barkSmall = "bark-small", bark, demo
    var shape: BarkShape { self == .bark ? .bark : .barkSmall }
}

enum WeightFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case f32, bf16, int8, q4
    var format: WeightFormat { WeightFormat(rawValue: rawValue) ?? .f32 }
}
