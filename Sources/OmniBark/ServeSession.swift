import Audio
import Bark
import Checkpoints
import Foundation
import Guardrails
import LiveControl
import Modalities
import NetworkStreaming
import Streaming

/// What `omnibark serve` runs: a `StreamingEngine` speaking into an Ogg Opus broadcaster (plus any
/// other sinks, e.g. JACK), the HTTP server in front of it, and optionally an Icecast source.
public struct ServeOptions: Sendable {
    public var http = OpusHTTPServer.Configuration()
    public var broadcaster = OpusBroadcaster.Configuration()
    /// The engine: speech options, fine mode, session conditioning, gapless playback. Its
    /// `queueCapacity` is `maxQueuedRequests`.
    public var engine = EngineConfiguration()
    /// `POST /say` texts longer than this are refused (400).
    public var maxTextCharacters = 4000
    /// Requests waiting at most; more get 503.
    public var maxQueuedRequests = ServeOptions.defaultQueueCapacity
    /// Directories of operator-supplied voice presets (`<name>.npz`), searched after the model's
    /// own presets. Clients name voices; no path a client sends is ever opened.
    public var voiceDirectories: [URL] = []
    /// The content policy every `/say` text passes (refused: 422 with the category; bleeped:
    /// replaced before queueing; logged: the category only). Nil checks nothing; `omnibark serve`
    /// always sets one (the default policy unless --policy names another).
    public var guardrail: Guardrail?
    /// Serve Prometheus metrics at `GET /metrics` (off by default).
    public var metrics = false
    /// The default queue capacity.
    public static let defaultQueueCapacity = 64
    public init() {}
}

/// `omnibark serve` as a value: the engine, the broadcaster and the HTTP routes.
///
/// Thread safety: the routes run on the HTTP event loop, reach the session through `RouteTarget` and
/// only call the thread-safe engine and broadcaster; `server` is a constant set in `init`;
/// `stop`/`shutdown` may be called from any thread.
public final class ServeSession: @unchecked Sendable {
    public let model: SpeechModel
    public let omniModel: OmniModel
    public let options: ServeOptions
    public let broadcaster: OpusBroadcaster
    public let engine: StreamingEngine
    public let server: OpusHTTPServer
    private let started = DispatchTime.now().uptimeNanoseconds
    /// The Prometheus registry behind `GET /metrics` (nil unless `options.metrics`).
    public let metrics: EngineMetrics?
    private let log: @Sendable (String) -> Void

    /// `extraSinks` get the same audio as the listeners (JACK, a WAV file, a test's recorder), at
    /// their own rates.
    public init(model: OmniModel, options: ServeOptions = ServeOptions(), extraSinks: [any AudioSink] = [],
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws {
        self.model = model.speech
        self.omniModel = model
        self.options = options
        self.log = log
        var broadcasterConfiguration = options.broadcaster
        broadcasterConfiguration.encoder.sampleRate = model.speech.sampleRate == 24_000 ? 24_000 : 48_000
        let broadcaster = try OpusBroadcaster(configuration: broadcasterConfiguration, log: { log("[stream] " + $0) })
        self.broadcaster = broadcaster
        let sink: any AudioSink = extraSinks.isEmpty
            ? broadcaster
            : try FanOutSink(sampleRate: broadcaster.sampleRate, sinks: [broadcaster] + extraSinks, log: { log("[sink] " + $0) })
        var engineConfiguration = options.engine
        engineConfiguration.queueCapacity = options.maxQueuedRequests
        engine = try StreamingEngine(model: model, sink: sink, configuration: engineConfiguration,
                                     onSpeaking: { broadcaster.setSpeaking($0) }, sinkCounters: { (broadcaster.statistics.underruns, 0) },
                                     log: { log("[engine] " + $0) })
        let metrics = options.metrics ? EngineMetrics() : nil
        self.metrics = metrics
        if let metrics { engine.observeTimeToFirstAudio { metrics.recordTimeToFirstAudio($0) } }
        // The routes reach the session through a weak reference set once the session is whole, so
        // `server` can be a constant; a request that races `deinit` gets 503.
        let target = RouteTarget()
        var routes: [String: OpusHTTPServer.Route] = [
            "POST /say": { request in target.session?.say(request) ?? Self.gone },
            "GET /say/*": { request in target.session?.requestStatus(request) ?? Self.gone },
            "GET /status": { _ in target.session.map { .json($0.status()) } ?? Self.gone },
            "GET /voices": { _ in target.session.map { .json(["voices": $0.voiceNames]) } ?? Self.gone },
            "GET /": { _ in target.session?.index() ?? Self.gone },
        ]
        if metrics != nil { routes["GET /metrics"] = { _ in target.session?.metricsResponse() ?? Self.gone } }
        if options.engine.events != nil { routes["POST /control"] = { request in target.session?.control(request) ?? Self.gone } }
        server = OpusHTTPServer(configuration: options.http, broadcaster: broadcaster, routes: routes, log: { log("[http] " + $0) })
        target.session = self
    }

    /// The answer for a request that arrives while the session is being torn down.
    private static var gone: HTTPResponseValue { .error("the server is shutting down", status: 503) }

    /// The session the HTTP routes serve, held weakly so that the routes (owned by `server`, owned by
    /// the session) make no cycle.
    ///
    /// Thread safety: `session` is written once, at the end of `ServeSession.init`, and read from the
    /// HTTP server's event-loop threads; a lock orders the two.
    private final class RouteTarget: @unchecked Sendable {
        private let lock = NSLock()
        private weak var value: ServeSession?
        var session: ServeSession? {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    /// A plain Bark server (no adapters).
    public convenience init(model: SpeechModel, options: ServeOptions = ServeOptions(), extraSinks: [any AudioSink] = [],
                            log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws {
        try self.init(model: try OmniModel(speech: model), options: options, extraSinks: extraSinks, log: log)
    }

    /// The voice names a client may use.
    public var voiceNames: [String] {
        VoicePreset.availableNames(modelDirectory: model.directory, voiceDirectories: options.voiceDirectories)
    }

    /// Starts generation and the HTTP server; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        engine.start()
        return try server.start()
    }

    /// Speaks what is queued, ends the stream (listeners get its last page) and stops the server.
    public func stop() throws {
        defer { server.stop() }
        try engine.finish()
    }

    /// The quick stop for a signal: `/say` answers 503 from now on, queued requests are cancelled,
    /// the current utterance stops after the chunk being generated, listeners get what is encoded
    /// at once and then the end of the stream, and the server stops.
    public func shutdown() throws {
        defer { server.stop() }
        broadcaster.releaseImmediately()
        try engine.shutdown()
    }

    // MARK: Routes

    func say(_ request: HTTPRequestValue) -> HTTPResponseValue {
        let parsed: SayRequest
        do {
            parsed = try SayRequest.parse(request.body, maxTextCharacters: options.maxTextCharacters)
        } catch {
            return .error(error.description, status: 400)
        }
        var text = parsed.text
        if let guardrail = options.guardrail {
            do {
                text = try ContentScreen(guardrail: guardrail, log: log).text(parsed.text, field: "POST /say text")
            } catch let refusal as GuardRefusal {
                return .json(["error": refusal.description, "category": refusal.category,
                              "position": ["byte": refusal.span.byteOffset, "character": refusal.span.characterOffset]], status: 422)
            } catch {
                log("[guard] could not check a request: \(ErrorMessage.describe(error))")
                return .error("the content policy could not check this text", status: 500)
            }
        }
        var voice: VoicePreset?
        if let name = parsed.voice {
            do {
                voice = try model.voice(named: name, voiceDirectories: options.voiceDirectories)
            } catch let error as VoicePresetError {
                if case .unknownPreset = error {} else { log("[engine] voice \"\(name)\" refused: \(error.description)") }
                return .error("voice \"\(name)\" cannot be used: \(error.problem)", status: 400)
            } catch {
                log("[engine] voice \"\(name)\" refused: \(ErrorMessage.describe(error))")
                return .error("voice \"\(name)\" cannot be used: its preset is not readable on this server", status: 400)
            }
        }
        let request: EngineRequest
        do {
            request = try engineRequest(parsed, text: text, voice: voice)
        } catch let refusal as GuardRefusal {
            return .json(["error": refusal.description, "category": refusal.category,
                          "position": ["byte": refusal.span.byteOffset, "character": refusal.span.characterOffset]], status: 422)
        } catch {
            return .error(ErrorMessage.describe(error), status: 400)
        }
        do {
            let (id, position) = try engine.say(request)
            log("[engine] request #\(id) queued at position \(position) (\(parsed.text.count) characters, voice \(parsed.voice ?? "default"), priority \(parsed.priority)"
                + (parsed.usesConditioning ? ", conditioned" : "") + ")")
            return .json(["id": id, "position": position, "queued": true, "status": "/say/\(id)"], status: 202)
        } catch {
            return .error(error.description, status: 503)
        }
    }

    /// The engine request for a parsed `/say` body: its media decoded, its style and control
    /// payloads screened, its routing over the session's.
    private func engineRequest(_ parsed: SayRequest, text: String, voice: VoicePreset?) throws -> EngineRequest {
        if parsed.usesConditioning && omniModel.adapters == nil {
            throw SayRequestError.invalid("this server has no adapter file (start it with --adapters FILE): "
                + "style, reference_audio, image, control, weights and priorities cannot be used")
        }
        if parsed.image != nil && omniModel.vision == nil {
            throw SayRequestError.invalid("this server has no CLIP vision tower (start it with --clip DIR): field \"image\" cannot be used")
        }
        let screen = options.guardrail.map { ContentScreen(guardrail: $0, log: log) }
        let style = try parsed.style.map { try screen?.text($0, field: "POST /say style") ?? $0 }
        let events = try screen?.events(parsed.controlEvents) ?? parsed.controlEvents
        let audio = try parsed.referenceAudio.map { bytes -> [Float] in
            let wav = try WAVReader.read(Data(bytes), file: "field reference_audio")
            return try ModalityBundle.normalizeReferenceAudio(wav.samples, sampleRate: wav.sampleRate, channels: wav.channels,
                                                              source: "field reference_audio")
        }
        let pixels = try parsed.image.map { bytes in
            omniModel.imagePreprocessor(try ImageDecoder().decode(bytes, file: "field image"))
        }
        var routing = engine.sessionConditioning.routing
        for (modality, weight) in parsed.weights { routing[modality].weight = weight }
        for (modality, priority) in parsed.priorities { routing[modality].priority = priority }
        let bundle = try ModalityBundle(text: text, styleInstruction: style, referenceAudio: audio, image: pixels,
                                        controlEvents: events, routing: routing)
        return EngineRequest(bundle: bundle, voice: voice, seed: parsed.seed, priority: parsed.priority,
                             usesOwnRouting: !parsed.weights.isEmpty || !parsed.priorities.isEmpty)
    }

    /// `POST /control`: live events (the JSON of `LiveControlJSON`) into the engine's inbox;
    /// 202 with how many were accepted, 400 naming the event and field at fault (counted as
    /// malformed), 503 when the inbox is full.
    func control(_ request: HTTPRequestValue) -> HTTPResponseValue {
        guard let inbox = options.engine.events else { return .error("live control is off on this server", status: 404) }
        let events: [LiveEvent]
        do {
            events = try LiveControlJSON.parse(Data(request.body), source: .http, receivedSample: engine.outputPosition,
                                               engineRate: model.sampleRate)
        } catch {
            inbox.reportMalformed(source: .http, kind: "bad /control body", detail: error.description,
                                  receivedSample: engine.outputPosition)
            return .error(error.description, status: 400)
        }
        let accepted = events.filter { inbox.post($0) }.count
        if accepted < events.count {
            return .json(["accepted": accepted, "dropped": events.count - accepted, "error": "the event inbox is full"], status: 503)
        }
        return .json(["accepted": accepted], status: 202)
    }

    /// `GET /say/{id}`: the request's state (queued with its position, speaking, done, failed
    /// with the reason, cancelled).
    func requestStatus(_ request: HTTPRequestValue) -> HTTPResponseValue {
        let idText = request.path.dropFirst("/say/".count)
        guard let id = Int(idText), id > 0 else {
            return .error("expected /say/<id> with the numeric id that POST /say returned, got \(request.path)", status: 400)
        }
        guard let status = engine.status(of: id) else {
            return .error("no request #\(id) (ids are forgotten after \(StreamingEngine.finishedRecordsKept) later requests end)", status: 404)
        }
        var document: [String: Any] = ["id": status.id, "state": status.state.name, "priority": status.priority,
                                       "audioSeconds": status.audioSeconds]
        if let position = status.position { document["position"] = position }
        if let ttfa = status.timeToFirstAudio { document["timeToFirstAudio"] = ttfa }
        if let lead = status.leadSeconds { document["leadSeconds"] = lead }
        if let gaps = status.gaps { document["gaps"] = gaps }
        if !status.conditioned.isEmpty { document["conditioned"] = status.conditioned }
        if let weights = status.weights { document["weights"] = weights.rawValue }
        switch status.state {
        case let .failed(reason), let .cancelled(reason): document["reason"] = reason
        default: break
        }
        return .json(document)
    }

    /// The `/status` document.
    public func status() -> [String: Any] {
        let s = engine.statistics
        let b = broadcaster.statistics
        func optional(_ value: Double?) -> Any { value.map { $0 as Any } ?? NSNull() }
        return [
            "listeners": b.listeners,
            "listenersServed": b.listenersServed,
            "droppedListeners": b.droppedListeners,
            "maxListeners": broadcaster.configuration.maxListeners,
            "queue": s.queued,
            "queueCapacity": engine.configuration.queueCapacity,
            "speaking": s.speaking,
            "requests": s.requests,
            "failedRequests": s.failed,
            "cancelledRequests": s.cancelled,
            "utterances": s.utterances,
            "timeToFirstAudio": optional(s.timeToFirstAudio),
            "lastTimeToFirstAudio": optional(s.lastTimeToFirstAudio),
            "realTimeFactor": s.realTimeFactor,
            "audioSeconds": s.audioSeconds,
            "underruns": b.underruns,
            "streamSeconds": b.streamSeconds,
            "encodedSeconds": b.encodedSeconds,
            "encoderSecondsPerAudioSecond": b.encodedSeconds > 0 ? b.encodeSeconds / b.encodedSeconds : 0,
            "pagesReleased": b.pagesReleased,
            "bitrate": broadcaster.configuration.encoder.bitrate,
            "uptime": Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
            "events": ["received": s.events.received, "applied": s.events.applied, "dropped": s.events.dropped,
                       "malformed": s.events.malformed],
            "reference": referenceStatus(),
            "deadlinesMet": s.deadlinesMet,
            "gaplessLeadCorrection": s.gaplessLeadLearning.correction,
            "router": s.routerPlan == nil ? NSNull() as Any : [
                "plan": s.routerPlan ?? "full", "decisions": s.routerDecisions,
                "predictedRealTimeFactor": optional(s.routerPredicted), "measuredRealTimeFactor": optional(s.routerMeasured),
            ] as [String: Any],
        ]
    }

    /// Seconds of live reference audio held and seconds since its last refresh (null when there
    /// is no live reference input).
    private func referenceStatus() -> Any {
        guard let window = options.engine.liveReference else { return NSNull() }
        let f = window.figures
        return ["secondsHeld": f.secondsHeld, "secondsSinceRefresh": f.sinceRefresh.map { $0 as Any } ?? NSNull(),
                "encodings": f.encodings, "encoderSecondsPerAudioSecond": f.encoderCostPerSecond] as [String: Any]
    }

    /// `GET /metrics`: the engine's and the stream's figures now, in Prometheus text format.
    func metricsResponse() -> HTTPResponseValue {
        guard let metrics else { return .error("metrics are off (start the server with --metrics)", status: 404) }
        metrics.update(metricsSnapshot())
        return metrics.httpResponse()
    }

    /// What `/metrics` reports.
    public func metricsSnapshot() -> EngineMetricsSnapshot {
        let s = engine.statistics
        let b = broadcaster.statistics
        var m = EngineMetricsSnapshot()
        m.queueDepth = s.queued
        m.speaking = s.speaking
        m.utterances = s.utterances
        m.requests = s.requests
        m.failedRequests = s.failed
        m.audioSeconds = s.audioSeconds
        m.computeSeconds = s.computeSeconds
        m.lastTimeToFirstAudio = s.lastTimeToFirstAudio
        m.underruns = b.underruns
        m.listeners = b.listeners
        m.listenerDrops = b.droppedListeners
        m.eventsReceived = s.events.received
        m.eventsApplied = s.events.applied
        m.eventsDropped = s.events.dropped
        m.eventsMalformed = s.events.malformed
        m.routerDecisions = s.routerDecisions
        m.chunksDue = s.chunksDue
        m.chunksLate = s.chunksLate
        return m
    }

    private func index() -> HTTPResponseValue {
        let html = """
        <!doctype html><meta charset="utf-8"><title>OmniBark</title>
        <h1>OmniBark live</h1><audio controls autoplay src="\(options.http.streamPath)"></audio>
        <form onsubmit="fetch('/say',{method:'POST',body:JSON.stringify({text:this.t.value})});this.t.value='';return false">
        <input name="t" size="60" placeholder="Text to speak"> <button>Say</button></form>
        <p><a href="/status">status</a></p>
        """
        return HTTPResponseValue(status: 200, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    }
}
