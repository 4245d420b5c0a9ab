import Bark
import Foundation
import LiveControl
import Modalities
import Streaming

/// A live run of the one engine into JACK, as `omnibark bench --live-seconds` measures it:
/// sentences are spoken in a loop (about two utterances queued ahead) until at least
/// `settings.seconds` of audio were produced, then the queue is finished and played out.
///
/// With `settings.events`, the engine gets an inbox with an event log, its OSC server (loopback,
/// a free port) and the JACK MIDI bridge on `control_in` (the `daw` preset's MIDI map); while
/// utterances are generated, `LiveBenchmarkEventSender` sends an SFX trigger and a beat per
/// source and interval (`api`, `osc`, `midi` through a JACK MIDI client). HTTP `POST /control` is
/// not measured: it needs `serve` (its handler posts into the same inbox as `api`).
///
/// With `settings.reference`, a JACK client plays a sine into `reference_in` and a
/// `LiveReferenceWindow` encodes it; utterances are conditioned on its latest encoding.
///
/// With either, the model gets adapters with random weights (`OmniAdapters.synthetic`) so that
/// events and reference audio go through the fusion path.
public enum LiveEngineBenchmark {
    /// Runs the engine on `model` (plain Bark shapes; adapters are added as above).
    ///
    /// - Parameter log: hears the engine's notices and the inbox's diagnostics.
    /// - Throws: when the JACK server cannot be started or reached, a port cannot be connected,
    ///   the OSC server cannot bind, or the stream fails.
    public static func measure(model: SpeechModel, voice: VoicePreset?, settings: LiveEngineBenchmarkSettings,
                               log: @escaping @Sendable (String) -> Void = { _ in }) throws -> LiveEngineBenchmarkReport {
        let privateServer = settings.server == nil ? try DummyJackServer.start() : nil
        defer { privateServer?.stop() }
        let serverName = settings.server ?? privateServer?.name
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-live-bench-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let steered = settings.events || settings.reference || settings.allModalities
        let omni = settings.allModalities ? try OmniModel.synthetic(speech: model)
            : try OmniModel(speech: model, adapters: steered ? try OmniAdapters.synthetic(for: model, seed: 11) : nil)
        // On its own server the engine takes the product's client name (ports omnibark:out_1,
        // omnibark:control_in, omnibark:reference_in); on a shared one it keeps out of the way.
        let sink = try JackAudioSink(configuration: JackSink.Configuration(
            clientName: privateServer == nil ? "omnibark-bench" : "omnibark", serverName: serverName,
            midiInput: settings.events, referenceInput: settings.reference))
        defer { sink.cancel() }
        let probe = steered ? try JackLiveProbe(server: serverName) : nil
        defer { probe?.close() }

        let eventLogURL = work.appendingPathComponent("events.jsonl")
        let inbox = settings.events ? LiveEventInbox(log: try LiveEventLog(url: eventLogURL), diagnostics: log) : nil
        let reference = try settings.reference ? referenceWindow(sink: sink, probe: probe, model: model, settings: settings) : nil
        defer { reference?.stop() }

        var configuration = EngineConfiguration()
        configuration.speech.voice = voice
        configuration.speech.seed = 1
        configuration.speech.minEOSProbability = nil
        configuration.speech.maxSemanticTokens = max(1, settings.utteranceSemanticTokens)  // ≈ 5 s at most by default
        configuration.fineMode = settings.fineMode
        configuration.mode = settings.mode
        configuration.live = settings.live
        configuration.gapless = settings.gapless
        configuration.events = inbox
        configuration.liveReference = reference
        configuration.refreshesReferenceEachChunk = settings.refreshesReferenceEachChunk
        configuration.router = settings.router
        if settings.allModalities { try LiveBenchmarkModalities.apply(to: &configuration, model: omni) }
        let hog = settings.hog ? CoreHog.start(log: log) : nil
        defer { hog?.stop() }
        let engine = try StreamingEngine(model: omni, sink: sink, configuration: configuration,
                                         sinkCounters: { (sink.underruns, sink.jack.xruns) }, log: log)
        defer { engine.cancel() }

        var sources: [LiveEventSource] = []
        var osc: OSCControlServer?
        var bridge: JackMIDIBridge?
        var sender: LiveBenchmarkEventSender?
        defer {
            sender?.stop()
            bridge?.stop()
            osc?.stop()
        }
        if let inbox {
            let server = try OSCControlServer(port: 0, host: "127.0.0.1", inbox: inbox, playedSamples: { engine.outputPosition })
            osc = server
            let midi = JackMIDIBridge(jack: sink.jack, map: try EnginePreset.named("daw").midi, inbox: inbox, engineRate: model.sampleRate)
            midi.start()
            bridge = midi
            if let probe, let port = sink.jack.midiInputPortName { try probe.connect(probe.midiPortName, to: port) }
            sender = LiveBenchmarkEventSender(inbox: inbox, osc: try OSCSender(host: "127.0.0.1", port: server.port), probe: probe,
                                              position: { engine.outputPosition }, interval: settings.eventInterval)
            sources = [.api, .osc, .midi]
        }

        engine.start()
        let utteranceSeconds = Double(configuration.speech.maxSemanticTokens ?? 0) / model.generator.configuration.semantic.rateHz
        let ids = try speak(engine: engine, seconds: settings.seconds, utteranceSeconds: utteranceSeconds,
                            onFirstSpeech: { sender?.start() })
        var notes: [String] = []
        if let failure = sender?.stop() { notes.append("OSC: \(failure)") }
        let statistics = try engine.finish()
        bridge?.stop()
        osc?.stop()
        reference?.stop()
        inbox?.log?.close()
        if let probe, probe.writeFailures > 0 { notes.append("JACK refused \(probe.writeFailures) MIDI event(s) of the probe") }
        if let hog { notes.append("one core kept busy by \(hog.description)") }

        let totals = reference?.encoderTotals
        return LiveEngineBenchmarkReport(
            server: .init(name: serverName ?? "default", isPrivate: privateServer != nil, sampleRate: sink.jack.sampleRate,
                          period: sink.jack.bufferSize),
            settings: settings, statistics: statistics, requests: ids.compactMap { engine.status(of: $0) },
            events: inbox == nil ? [:] : try LiveEventSourceFigures.read(eventLog: eventLogURL), eventSources: sources,
            reference: totals.map { .init(refreshes: $0.encodings, encodeSeconds: $0.encodeSeconds, audioSeconds: $0.audioSeconds,
                                          windowSeconds: settings.referenceWindowSeconds) },
            notes: notes)
    }

    /// The live reference window on the sink's `reference_in`, fed by the probe's sine.
    private static func referenceWindow(sink: JackAudioSink, probe: JackLiveProbe?, model: SpeechModel,
                                        settings: LiveEngineBenchmarkSettings) throws -> LiveReferenceWindow? {
        guard let ring = sink.jack.referenceRing else { return nil }
        if let probe, let port = sink.jack.referenceInputPortName { try probe.connect(probe.tonePortName, to: port) }
        let window = LiveReferenceWindow(ring: ring, inputRate: sink.jack.sampleRate, windowSeconds: settings.referenceWindowSeconds,
                                         refreshSeconds: settings.referenceRefreshSeconds, codec: model.codec)
        window.start()
        return window
    }

    /// Queues sentences (keeping about two utterances ahead, each counted as `utteranceSeconds`,
    /// the most it can be) until `seconds` of audio are on their way, calls `onFirstSpeech` once the first utterance is being generated, and returns
    /// once every queued utterance has been generated (its tail may still be playing). Returns
    /// the request ids in queue order.
    private static func speak(engine: StreamingEngine, seconds: Double, utteranceSeconds: Double,
                              onFirstSpeech: () -> Void) throws -> [Int] {
        let sentences = ["Hello, my dog is cute.", "This is a live benchmark of the engine.", "The quick brown fox jumps over the lazy dog."]
        var ids: [Int] = []
        var speaking = false
        func watch() -> EngineStatistics {
            let statistics = engine.statistics
            if !speaking && (statistics.speaking || statistics.utterances > 0) {
                speaking = true
                onFirstSpeech()
            }
            return statistics
        }
        while true {
            let statistics = watch()
            let ahead = ids.count - statistics.utterances
            if statistics.audioSeconds + utteranceSeconds * Double(ahead) >= seconds { break }
            if ahead < 2 {
                ids.append(try engine.say(sentences[ids.count % sentences.count]))
            } else {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        while engine.failureDescription == nil, !ids.allSatisfy({ engine.status(of: $0)?.state.isFinal ?? true }) {
            _ = watch()
            Thread.sleep(forTimeInterval: 0.01)
        }
        return ids
    }
}
