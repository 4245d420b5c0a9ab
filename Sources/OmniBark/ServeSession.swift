import Bark
import Foundation
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
    public var maxQueuedRequests = 64
    public init() {}
}

public final class ServeSession: @unchecked Sendable {
    public let model: SpeechModel
    public let options: ServeOptions
    public let broadcaster: OpusBroadcaster
    public let engine: ServeEngine
    public private(set) var server: OpusHTTPServer!
    private let started = DispatchTime.now().uptimeNanoseconds

    /// `extraSinks` get the same audio as the listeners (JACK, a WAV file, a test's recorder), at
    /// their own rates.
    public init(model: SpeechModel, options: ServeOptions = ServeOptions(), extraSinks: [any AudioSink] = [],
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws {
        self.model = model
        self.options = options
        var broadcasterConfiguration = options.broadcaster
        broadcasterConfiguration.encoder.sampleRate = model.sampleRate == 24_000 ? 24_000 : 48_000
        let broadcaster = try OpusBroadcaster(configuration: broadcasterConfiguration, log: { log("[stream] " + $0) })
        self.broadcaster = broadcaster
        let sink: any AudioSink = extraSinks.isEmpty
            ? broadcaster
            : try FanOutSink(sampleRate: broadcaster.sampleRate, sinks: [broadcaster] + extraSinks, log: { log("[sink] " + $0) })
        engine = ServeEngine(model: model, sink: sink, options: options.speech, fineMode: options.fineMode,
                             onSpeaking: { broadcaster.setSpeaking($0) }, sinkUnderruns: { broadcaster.statistics.underruns })
        server = OpusHTTPServer(configuration: options.http, broadcaster: broadcaster, routes: [
            "POST /say": { [unowned self] in self.say($0) },
            "GET /status": { [unowned self] _ in .json(self.status()) },
            "GET /": { [unowned self] _ in self.index() },
        ], log: { log("[http] " + $0) })
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

    // MARK: Routes

    func say(_ request: HTTPRequestValue) -> HTTPResponseValue {
        let parsed: SayRequest
        do {
            parsed = try SayRequest.parse(request.body, maxTextCharacters: options.maxTextCharacters)
        } catch {
            return .error(error.description, status: 400)
        }
        var voice: VoicePreset?
        if let name = parsed.voice {
            do { voice = try model.voice(name) } catch { return .error("unknown voice \"\(name)\": \(error)", status: 400) }
        }
        if engine.statistics.queued >= options.maxQueuedRequests {
            return .error("the queue is full (\(options.maxQueuedRequests) requests); try again later", status: 503)
        }
        if broadcaster.hasEnded { return .error("the stream has ended", status: 503) }
        let (id, position) = engine.say(ServeEngine.Request(text: parsed.text, voice: voice, seed: parsed.seed, priority: parsed.priority))
        return .json(["id": id, "position": position, "queued": true], status: 202)
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
            "speaking": s.speaking,
            "requests": s.requests,
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
