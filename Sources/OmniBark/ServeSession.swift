import Bark
import Checkpoints
import Foundation
import Guardrails
import NetworkStreaming
import Streaming

/// What `omnibark serve` runs: a `ServeEngine` speaking into an Ogg Opus broadcaster (plus any
/// other sinks, e.g. JACK), the HTTP server in front of it, and optionally an Icecast source.
public struct ServeOptions: Sendable {
    public var http = OpusHTTPServer.Configuration()
    public var broadcaster = OpusBroadcaster.Configuration()
    public var speech = SpeechOptions()
    public var fineMode: FineStreamingMode = .lowLatency
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
    /// The default queue capacity.
    public static let defaultQueueCapacity = 64
    public init() {}
}

/// `omnibark serve` as a value: the engine, the broadcaster and the HTTP routes.
///
/// Thread safety: the routes run on the HTTP event loop and only call the thread-safe engine and
/// broadcaster; `server` is set once in `init`; `stop`/`shutdown` may be called from any thread.
public final class ServeSession: @unchecked Sendable {
    public let model: SpeechModel
    public let options: ServeOptions
    public let broadcaster: OpusBroadcaster
    public let engine: ServeEngine
    public private(set) var server: OpusHTTPServer!
    private let started = DispatchTime.now().uptimeNanoseconds
    private let log: @Sendable (String) -> Void

    /// `extraSinks` get the same audio as the listeners (JACK, a WAV file, a test's recorder), at
    /// their own rates.
    public init(model: SpeechModel, options: ServeOptions = ServeOptions(), extraSinks: [any AudioSink] = [],
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws {
        self.model = model
        self.options = options
        self.log = log
        var broadcasterConfiguration = options.broadcaster
        broadcasterConfiguration.encoder.sampleRate = model.sampleRate == 24_000 ? 24_000 : 48_000
        let broadcaster = try OpusBroadcaster(configuration: broadcasterConfiguration, log: { log("[stream] " + $0) })
        self.broadcaster = broadcaster
        let sink: any AudioSink = extraSinks.isEmpty
            ? broadcaster
            : try FanOutSink(sampleRate: broadcaster.sampleRate, sinks: [broadcaster] + extraSinks, log: { log("[sink] " + $0) })
        engine = ServeEngine(model: model, sink: sink, options: options.speech, fineMode: options.fineMode,
                             queueCapacity: options.maxQueuedRequests,
                             onSpeaking: { broadcaster.setSpeaking($0) }, sinkUnderruns: { broadcaster.statistics.underruns },
                             log: { log("[engine] " + $0) })
        server = OpusHTTPServer(configuration: options.http, broadcaster: broadcaster, routes: [
            "POST /say": { [unowned self] in self.say($0) },
            "GET /say/*": { [unowned self] in self.requestStatus($0) },
            "GET /status": { [unowned self] _ in .json(self.status()) },
            "GET /voices": { [unowned self] _ in .json(["voices": self.voiceNames]) },
            "GET /": { [unowned self] _ in self.index() },
        ], log: { log("[http] " + $0) })
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
        do {
            let (id, position) = try engine.say(ServeEngine.Request(text: text, voice: voice, seed: parsed.seed,
                                                                    priority: parsed.priority))
            log("[engine] request #\(id) queued at position \(position) (\(parsed.text.count) characters, voice \(parsed.voice ?? "default"), priority \(parsed.priority))")
            return .json(["id": id, "position": position, "queued": true, "status": "/say/\(id)"], status: 202)
        } catch {
            return .error(error.description, status: 503)
        }
    }

    /// `GET /say/{id}`: the request's state (queued with its position, speaking, done, failed
    /// with the reason, cancelled).
    func requestStatus(_ request: HTTPRequestValue) -> HTTPResponseValue {
        let idText = request.path.dropFirst("/say/".count)
        guard let id = Int(idText), id > 0 else {
            return .error("expected /say/<id> with the numeric id that POST /say returned, got \(request.path)", status: 400)
        }
        guard let status = engine.status(of: id) else {
            return .error("no request #\(id) (ids are forgotten after \(ServeEngine.finishedRecordsKept) later requests end)", status: 404)
        }
        var document: [String: Any] = ["id": status.id, "state": status.state.name, "priority": status.priority,
                                       "audioSeconds": status.audioSeconds]
        if let position = status.position { document["position"] = position }
        if let ttfa = status.timeToFirstAudio { document["timeToFirstAudio"] = ttfa }
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
            "queueCapacity": engine.queueCapacity,
            "speaking": s.speaking,
            "requests": s.requests,
            "failedRequests": s.failed,
            "cancelledRequests": s.cancelled,
            "utterances": s.live.utterances,
            "timeToFirstAudio": optional(s.live.timeToFirstAudio),
            "lastTimeToFirstAudio": optional(s.lastTimeToFirstAudio),
            "realTimeFactor": s.live.realTimeFactor,
            "audioSeconds": s.live.audioSeconds,
            "underruns": b.underruns,
            "streamSeconds": b.streamSeconds,
            "encodedSeconds": b.encodedSeconds,
            "encoderSecondsPerAudioSecond": b.encodedSeconds > 0 ? b.encodeSeconds / b.encodedSeconds : 0,
            "pagesReleased": b.pagesReleased,
            "bitrate": broadcaster.configuration.encoder.bitrate,
            "uptime": Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
        ]
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
