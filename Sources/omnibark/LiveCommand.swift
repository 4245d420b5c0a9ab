import ArgumentParser
import Audio
import Bark
import Checkpoints
import Foundation
import Guardrails
import LiveControl
import Modalities
import OmniBark
import Streaming

/// `omnibark live`: speak into JACK (or a WAV file) while generating.
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Speak text into JACK while it is being generated.",
        discussion: """
        Speaks the text given as an argument or with --text and exits once it has played out; \
        without text, speaks every line typed on standard input as it arrives (the next line is \
        generated while the current one plays) until end of input. A line starting with { or [ is \
        a live control event instead ({"kind": "beat"}, {"kind": "sfx", "payload": 3, "time": 0.5}, \
        {"kind": "weight", "modality": "audio", "payload": 2}; see README "Live control").

        Audio goes to JACK client `omnibark`, port out_1 (and out_2 with --stereo); route it with \
        --connect or any JACK patchbay. --sink wav:FILE writes the same stream to a file instead \
        (repeat --sink for both). Every text passes the content policy (--policy, else the \
        default): a refused argument exits with status 3 before anything loads; a refused input \
        line is skipped (logged without its text), the rest are spoken, and the exit status is 3. \
        A JACK server must be running, e.g. `jackd -d alsa` or, with no sound card, \
        `jackd -d dummy -r 48000`.

        Playback is gapless: an utterance starts playing once the audio generated so far covers \
        what is still to come at the measured speed (at least --min-lead seconds), so once it \
        plays it does not stop. --no-gapless plays each chunk as soon as it exists.

        Conditioning (--adapters with --reference-audio, --image/--clip, --control, --style, \
        --weight, --priority) applies to every line, as in `speak`.

        Fine stage: --fine-mode chunked (default) gives the first audio after about a second of \
        coarse tokens; exact reproduces `speak` token for token but starts playing only after the \
        coarse stage has finished.

        Examples:
          omnibark live "Hello, my dog is cute." --voice v2/en_speaker_6 --connect system:playback_1,system:playback_2
          omnibark live --model ./demo --sink wav:live.wav --stats < script.txt
          omnibark live --adapters a.safetensors --reference-audio me.wav --style "[calm]" < script.txt
        """)

    @Argument(help: "Text to speak (otherwise lines from standard input).")
    var positionalText: String?

    @Option(name: .customLong("text"), help: "Text to speak (same as the argument).")
    var textOption: String?

    @OptionGroup(title: "Model") var modelOptions: ModelOptions
    @OptionGroup(title: "Voice") var voiceOptions: VoiceOptions
    @OptionGroup(title: "Sampling") var sampling: SamplingOptions
    @OptionGroup(title: "Conditioning") var modalities: ModalityOptions
    @OptionGroup(title: "Streaming") var streaming: StreamingOptions
    @OptionGroup(title: "Outputs") var sinks: SinkOptions
    @OptionGroup(title: "Live control") var control: LiveControlOptions
    @OptionGroup(title: "Latency router") var routerOptions: RouterOptions


    @Flag(help: "Print statistics every second while running.")
    var stats = false

    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup(title: "Watermark") var watermark: WatermarkOutputOptions

    func validate() throws {
        if positionalText != nil && textOption != nil { throw ValidationError("give the text once: as an argument or with --text") }
        for spec in try sinks.specs(fallback: ["jack"]) {
            switch spec {
            case .jack, .wav: break
            case .http, .icecast: throw ValidationError("--sink \(spec): live plays into JACK or a WAV file; use `omnibark serve` for HTTP and Icecast")
            }
        }
    }

    func run() throws {
        let screen = try policyOptions.screen()
        let argumentText = try (positionalText ?? textOption).map { try screen.text($0, field: "the text") }
        let style = try modalities.style.map { try screen.text($0, field: "--style") }
        let events = try modalities.control.map { try screen.events(ControlEvent.load(contentsOf: ModalityOptions.url($0))) } ?? []
        let preset = try streaming.loadPreset()
        if let preset { log("preset \(preset.name) (\(preset.source))") }
        let specs = try sinks.specs(fallback: preset.map { $0.sinks.isEmpty ? ["jack"] : $0.sinks } ?? ["jack"])
        for spec in specs {
            if case .http = spec { throw ValidationError("sink \(spec) (from the preset): live plays into JACK or a WAV file; use `omnibark serve`") }
            if case .icecast = spec { throw ValidationError("an icecast sink (from the preset): live plays into JACK or a WAV file; use `omnibark serve`") }
        }
        try SinkOptions.checkOutputs(specs)
        try control.check(sinks: specs, hasAdapters: modalities.adapters != nil)
        // Leave a core to JACK's process thread: size our pool and OpenBLAS before any math runs.
        modelOptions.applyThreads(leaveOneCore: true)
        let directory = try modelOptions.directory()
        let watermarkKey = try watermark.loadKey()
        let speech = try modelOptions.load(directory: directory, fallback: preset?.generation.weights ?? .f32,
                                             kvCacheFallback: preset?.generation.kvCache ?? .f32)
        let model = try modalities.model(speech: speech)
        let media = try modalities.media(for: model)

        var configuration = EngineConfiguration()
        configuration.speech.voice = try voiceOptions.preset(for: speech)
        sampling.apply(to: &configuration.speech, defaultSeed: 0)
        configuration.speech.watermark = WatermarkOutputOptions.settings(key: watermarkKey, modelDirectory: directory, seed: configuration.speech.seed)
        configuration.fineMode = streaming.fineStreamingMode(base: preset?.generation.fineMode ?? .lowLatency)
        configuration.mode = streaming.generationMode(base: preset?.generation.mode)
        configuration.live = try streaming.liveSettings(preset: preset?.generation, mode: configuration.mode, model: speech)
        configuration.gapless = streaming.gate(baseLead: preset?.latency.minLead ?? 0.2)
        configuration.styleInstruction = style
        configuration.routing = try modalities.routing(base: preset?.routing ?? ModalityRouting())
        configuration.referenceAudio = media.referenceAudio
        configuration.image = media.image
        configuration.controlEvents = events

        // Always an inbox: a standard-input line starting with { or [ is a live control event.
        let live = try LiveControlSetup(options: control, preset: preset, alwaysInbox: true, log: log)
        let outputs = try LiveOutputs.open(specs, options: sinks, modelRate: speech.sampleRate,
                                           jackConfiguration: { [sinks, control] in
                                               sinks.jackConfiguration($0, midiInput: control.midiIn, referenceInput: control.referenceIn)
                                           }, log: log)
        defer { outputs.stopWatching() }
        configuration.events = live.inbox
        configuration.screen = { text, field in try screen.text(text, field: field) }
        configuration.liveReference = live.makeReference(options: control, preset: preset, jack: outputs.jack?.jack, model: model, log: log)
        configuration.refreshesReferenceEachChunk = preset?.reference.refresh == .chunk
        configuration.realtimePriority = streaming.realtimePriority
        configuration.router = try routerOptions.settings(preset: preset, loaded: speech) {
            try modelOptions.loadLighter(directory: directory, format: $0, like: speech)
        }
        guard let sink = outputs.sink else { throw ValidationError("no output: give --sink jack or --sink wav:FILE") }
        let engine = try StreamingEngine(model: model, sink: sink, configuration: configuration,
                                         sinkCounters: outputs.counters, log: { log("[engine] " + $0) })
        try live.start(engine: engine, options: control, preset: preset, jack: outputs.jack?.jack, model: model, log: log)
        defer { live.stop() }
        engine.start()
        let reporter = stats ? startStatsReporter(engine, live: live) : nil
        func request(_ text: String) throws -> EngineRequest { try EngineRequest(text: text) }
        var refusal: GuardRefusal?
        if let text = argumentText {
            _ = try engine.say(request(text))
        } else {
            var lines = StandardInputLines()
            var lineNumber = 0
            while let line = lines.next() {
                lineNumber += 1
                // Stop reading once the stream has failed; finish() below reports the error.
                if let failure = engine.failureDescription { log("error: \(failure)"); break }
                switch line {
                case let .success(text):
                    let trimmed = text.trimmingCharacters(in: .whitespaces)
                    if trimmed.isEmpty { continue }
                    if let inbox = live.inbox, trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
                        postControlLine(trimmed, lineNumber: lineNumber, inbox: inbox, engine: engine)
                        continue
                    }
                    do {
                        _ = try engine.say(request(try screen.text(trimmed, field: "line \(lineNumber)")))
                    } catch let refused as GuardRefusal {
                        refusal = refused
                        log("skipped line \(lineNumber): refused by the content policy (category \"\(refused.category)\")")
                    } catch let error as EngineSayError {
                        log("skipped line \(lineNumber): \(error.description)")
                    }
                case let .failure(error):
                    log("skipped: \(error.description)")
                }
            }
        }
        let result = try engine.finish()
        reporter?.cancel()
        log(String(format: "spoke %d utterance(s), %.2f s of audio; time to first audio %@; real-time factor %.2f; underruns %d; xruns %d",
                   result.utterances, result.audioSeconds, result.timeToFirstAudio.map { String(format: "%.2f s", $0) } ?? "-",
                   result.realTimeFactor, result.underruns, result.xruns))
        let liveLine = live.statusLine()
        if !liveLine.isEmpty { log(liveLine) }
        // Per utterance: time to first audio, the lead held before playback, and gaps.
        for id in 1...max(1, result.requests) {
            guard let status = engine.status(of: id), status.state == .done else { continue }
            log(String(format: "  #%d: time to first audio %@, lead %@, %.2f s of audio, gaps %@", id,
                       status.timeToFirstAudio.map { String(format: "%.2f s", $0) } ?? "-",
                       status.leadSeconds.map { String(format: "%.2f s", $0) } ?? "-", status.audioSeconds,
                       status.gaps.map(String.init) ?? "-"))
        }
        if result.failed > 0 { log("\(result.failed) utterance(s) failed (see above)") }
        if let refusal { throw refusal }
    }

    /// A JSON line on standard input: live control events (`LiveControlJSON`, source `stdin`).
    private func postControlLine(_ line: String, lineNumber: Int, inbox: LiveEventInbox, engine: StreamingEngine) {
        do {
            for event in try LiveControlJSON.parse(Data(line.utf8), source: .stdin, receivedSample: engine.outputPosition) {
                inbox.post(event)
            }
        } catch {
            inbox.reportMalformed(source: .stdin, kind: "bad control line", detail: "line \(lineNumber): \(error.description)",
                                  receivedSample: engine.outputPosition)
            log("skipped line \(lineNumber): not a control event: \(error.description)")
        }
    }

    private func startStatsReporter(_ engine: StreamingEngine, live: LiveControlSetup) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler {
            let extra = live.statusLine()
            FileHandle.standardError.write(Data(("[stats] " + EngineStatisticsLine.describe(engine) + (extra.isEmpty ? "" : "; " + extra) + "\n").utf8))
        }
        timer.resume()
        return timer
    }
}

private func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
