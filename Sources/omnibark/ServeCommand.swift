import ArgumentParser
import Bark
import Checkpoints
import Foundation
import Guardrails
import Modalities
import NetworkStreaming
import OmniBark
import Streaming
import Tensors

/// `omnibark serve`: speak text posted over HTTP to every listener of an Ogg Opus stream.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Stream speech as Ogg Opus over HTTP (and to Icecast), generating text posted to /say.",
        discussion: """
        Endpoints:
          GET  /stream.opus   the live stream (audio/ogg, chunked); late listeners join at a page boundary
          POST /say           {"text": "…", "voice": "v2/en_speaker_6", "seed": 1, "priority": 0} → 202 {"id": n, …}
                              with --adapters also "style", "reference_audio" (base64 WAV), "image" (base64 PNG/JPEG,
                              needs --clip), "control" (events), "weights"/"priorities" ({"audio": 2, …})
          GET  /say/ID        that request: queued (with its position), speaking, done, failed or cancelled (with the reason)
          GET  /voices        the voice names a client may use
          GET  /status        listeners, queue and its capacity, time to first audio, real-time factor, underruns, failures
          GET  /metrics       the same in Prometheus text format (with --metrics)
          POST /control       live events: {"kind": "beat|phoneme|sfx|style|say|instruction|weight", "time": s, "payload": …}
          GET  /              a page with a player

        The stream runs in real time and carries silence between utterances. A request that fails \
        (say, a generation error) is marked failed with its reason and logged; the stream goes on. \
        Every /say text passes the content policy (--policy FILE, else the default policy): a \
        refused text is answered 422 {"error", "category", "position"} and logged without the text; \
        bleeped spans are replaced before generation; log-only categories are logged. At most --max-queued requests wait (default 64); more are answered 503. A listener that falls \
        more than --listener-queue pages (20 ms each) behind is dropped. Binds 127.0.0.1 unless --host says otherwise.

        Voices over HTTP are preset names only: the model's presets (speaker_embeddings) and the \
        <name>.npz files in each --voices directory. No path a client sends is ever opened.

        Stopping: the first SIGINT/SIGTERM (Ctrl-C) stops taking requests (503), cancels the queue, \
        finishes the chunk being generated, sends listeners the end of the stream and exits, within \
        about 2 s; a second one exits at once.

        Examples:
          omnibark serve --model ./demo --port 8000
          curl -d '{"text":"Hello there."}' http://127.0.0.1:8000/say
          ffplay http://127.0.0.1:8000/stream.opus
          omnibark serve --sink jack --sink http:8000 --sink icecast:http://source:hackme@127.0.0.1:8010/bark.opus
        """)

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "HTTP port (0: any free port).") var port = 8000
    @OptionGroup(title: "Model") var modelOptions: ModelOptions
    @OptionGroup(title: "Voice") var voiceOptions: VoiceOptions
    @Option(name: .customLong("voices"), help: ArgumentHelp("A directory of extra voice presets (<name>.npz) clients may name; repeatable.", valueName: "dir"))
    var voiceDirectories: [String] = []
    @Option(name: .customLong("max-queued"), help: "Requests that may wait at once; more are answered 503.")
    var maxQueued = ServeOptions.defaultQueueCapacity
    @OptionGroup(title: "Sampling") var sampling: SamplingOptions
    @OptionGroup(title: "Conditioning (defaults for every request; /say may bring its own)") var modalities: ModalityOptions
    @OptionGroup(title: "Streaming") var streaming: StreamingOptions

    @Option(help: "Opus bitrate in bit/s.") var bitrate = 48_000
    @Option(name: .customLong("frame-size"), help: "Opus frame size in ms: 2.5, 5, 10, 20, 40, 60.") var frameSize = 20.0
    @Option(help: "Opus application: voip, audio or lowdelay.") var application = "audio"
    @Option(help: "Opus complexity 0–10.") var complexity = 10

    @Option(name: .customLong("max-listeners"), help: "Listeners at most.") var maxListeners = 256
    @Option(name: .customLong("listener-queue"), help: "Pages (20 ms) a listener may fall behind before it is dropped.") var listenerQueue = 250
    @Option(name: .customLong("max-request-bytes"), help: "Largest request body (default 16 KiB; 12 MiB with --adapters, for base64 reference audio and images).") var maxRequestBytes: Int?

    @Option(help: ArgumentHelp("Also send the stream to an Icecast server (HTTP PUT source).", valueName: "http://source:PASSWORD@HOST:PORT/MOUNT"))
    var icecast: String?
    @Option(name: .customLong("ice-name"), help: "Icecast stream name.") var iceName = "OmniBark"
    @Option(name: .customLong("ice-description"), help: "Icecast stream description.") var iceDescription = "Live speech from OmniBark"
    @Option(name: .customLong("ice-genre"), help: "Icecast genre.") var iceGenre = "Speech"
    @Flag(name: .customLong("ice-public"), help: "List the stream in Icecast's directory.") var icePublic = false

    @Flag(help: "Serve Prometheus metrics at GET /metrics (queue depth, utterances, audio seconds, real-time factor, time to first audio, underruns, listeners, drops, events).")
    var metrics = false
    @OptionGroup(title: "Watermark") var watermark: WatermarkOutputOptions
    @OptionGroup(title: "Outputs (default: http:PORT)") var sinks: SinkOptions
    @OptionGroup(title: "Live control (POST /control is always on)") var control: LiveControlOptions
    @OptionGroup(title: "Latency router") var routerOptions: RouterOptions
    @OptionGroup var policyOptions: PolicyOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 1…65535 (or 0 for any free port), got \(port)") }
        guard maxQueued >= 1 else { throw ValidationError("--max-queued must be at least 1, got \(maxQueued)") }
        let specs = try sinks.specs(fallback: [])
        if specs.filter({ if case .http = $0 { return true } else { return false } }).count > 1 { throw ValidationError("give one http:PORT sink") }
        if specs.filter({ if case .jack = $0 { return true } else { return false } }).count > 1 { throw ValidationError("give one JACK sink") }
        for directory in voiceDirectories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: (directory as NSString).expandingTildeInPath, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw ValidationError("--voices \(directory): no such directory (it should hold <name>.npz voice presets)")
            }
        }
        guard OggOpusEncoder.Application(rawValue: application) != nil else { throw ValidationError("--application must be voip, audio or lowdelay") }
        if specs.filter({ if case .icecast = $0 { return true } else { return false } }).count + (icecast == nil ? 0 : 1) > 1 {
            throw ValidationError("give one Icecast URL")
        }
    }

    func run() throws {
        let guardrail = try policyOptions.guardrail()
        let screen = ContentScreen(guardrail: guardrail, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let style = try modalities.style.map { try screen.text($0, field: "--style") }
        let events = try modalities.control.map { try screen.events(ControlEvent.load(contentsOf: ModalityOptions.url($0))) } ?? []
        let preset = try streaming.loadPreset()
        if let preset { log("preset \(preset.name) (\(preset.source))") }
        let specs = try sinks.specs(fallback: preset?.sinks ?? [])
        try SinkOptions.checkOutputs(specs)
        try control.check(sinks: specs, hasAdapters: modalities.adapters != nil)
        modelOptions.applyThreads(leaveOneCore: true)
        let directory = try modelOptions.directory()
        let watermarkKey = try watermark.loadKey()
        let speech = try modelOptions.load(directory: directory, fallback: preset?.generation.weights ?? .f32,
                                             kvCacheFallback: preset?.generation.kvCache ?? .f32)
        let model = try modalities.model(speech: speech)
        let media = try modalities.media(for: model)
        var options = ServeOptions()
        options.guardrail = guardrail
        options.metrics = metrics
        options.engine.speech.voice = try voiceOptions.preset(for: speech)
        sampling.apply(to: &options.engine.speech, defaultSeed: 0)
        options.engine.speech.watermark = WatermarkOutputOptions.settings(key: watermarkKey, modelDirectory: directory,
                                                                          seed: options.engine.speech.seed)
        options.engine.fineMode = streaming.fineStreamingMode(base: preset?.generation.fineMode ?? .lowLatency)
        options.engine.mode = streaming.generationMode(base: preset?.generation.mode)
        options.engine.live = try streaming.liveSettings(preset: preset?.generation, mode: options.engine.mode, model: speech)
        options.engine.gapless = streaming.gate(baseLead: preset?.latency.minLead ?? 0.2)
        options.engine.styleInstruction = style
        options.engine.routing = try modalities.routing(base: preset?.routing ?? ModalityRouting())
        options.engine.referenceAudio = media.referenceAudio
        options.engine.image = media.image
        options.engine.controlEvents = events
        options.http.host = host
        options.http.port = port
        for case let .http(p) in specs { options.http.port = p }
        options.http.maxRequestBytes = maxRequestBytes ?? (modalities.adapters == nil ? 16 * 1024 : 12 << 20)
        options.maxQueuedRequests = maxQueued
        options.voiceDirectories = voiceDirectories.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) }
        options.http.listenerQueuePages = listenerQueue
        options.broadcaster.maxListeners = maxListeners
        options.broadcaster.encoder = OggOpusEncoder.Settings(bitrate: bitrate, frameMilliseconds: frameSize,
                                                               application: OggOpusEncoder.Application(rawValue: application) ?? .audio,  // checked in validate()
                                                               complexity: complexity)

        let live = try LiveControlSetup(options: control, preset: preset, alwaysInbox: true, log: { log($0) })
        // JACK and WAV outputs get the same audio as the listeners.
        let outputs = try LiveOutputs.open(specs, options: sinks, modelRate: speech.sampleRate,
                                           jackConfiguration: { [sinks, control] in
                                               sinks.jackConfiguration($0, midiInput: control.midiIn, referenceInput: control.referenceIn)
                                           }, log: { log($0) })
        defer { outputs.stopWatching() }
        let extra = outputs.sinks
        options.engine.events = live.inbox
        options.engine.screen = { text, field in try screen.text(text, field: field) }
        options.engine.liveReference = live.makeReference(options: control, preset: preset, jack: outputs.jack?.jack, model: model,
                                                          log: { log($0) })
        options.engine.refreshesReferenceEachChunk = preset?.reference.refresh == .chunk
        options.engine.realtimePriority = streaming.realtimePriority
        options.engine.router = try routerOptions.settings(preset: preset, loaded: speech) {
            try modelOptions.loadLighter(directory: directory, format: $0, like: speech)
        }
        let signals = ShutdownSignals(onSecond: { FileHandle.standardError.write(Data("second signal: exiting at once\n".utf8)) })
        let session = try ServeSession(model: model, options: options, extraSinks: extra)
        try live.start(engine: session.engine, options: control, preset: preset, jack: outputs.jack?.jack, model: model, log: { log($0) })
        defer { live.stop() }
        let bound: Int
        do { bound = try session.start() } catch {
            session.engine.cancel()
            throw error
        }
        log("serving http://\(host):\(bound)/stream.opus (POST /say, GET /say/ID, GET /status); Opus \(bitrate / 1000) kbit/s; "
            + "queue capacity \(maxQueued)")

        var source: IcecastSource?
        let icecastURL = specs.lazy.compactMap { spec -> String? in if case let .icecast(url) = spec { return url }; return nil }.first
        if let url = icecast ?? icecastURL {
            var configuration = try IcecastSource.Configuration(url: url)
            configuration.name = iceName
            configuration.description = iceDescription
            configuration.genre = iceGenre
            configuration.isPublic = icePublic
            configuration.bitrate = bitrate
            let icecastSource = IcecastSource(configuration: configuration, broadcaster: session.broadcaster)
            try icecastSource.start()
            source = icecastSource
            log("sending the stream to Icecast at \(configuration.redactedURL)")
        }

        // Run until SIGINT/SIGTERM, then stop quickly (a second signal exits at once).
        signals.waitForFirst()
        log("stopping: new requests get 503, the queue is cancelled, the current chunk finishes (signal again to exit at once)")
        source?.stop()
        try session.shutdown()
        let status = session.status()
        log("done: \(status["utterances"] ?? 0) utterance(s), \(status["failedRequests"] ?? 0) failed, \(status["cancelledRequests"] ?? 0) cancelled; "
            + "\(status["listenersServed"] ?? 0) listener(s) served, \(status["droppedListeners"] ?? 0) dropped")
    }

}

private func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
