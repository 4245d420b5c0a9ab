import Foundation
import NetworkStreaming
import OmniBark
import Streaming

/// The sinks `live` opens from its `--sink` specs (JACK, WAV), joined by a fan-out when there
/// are several, with the JACK reconnect watcher of --reconnect.
///
/// Thread safety: built once on the main thread; the counters closure reads thread-safe JACK
/// counters; `stopWatching` may be called from any thread once.
final class LiveOutputs: @unchecked Sendable {
    /// Every sink opened, in spec order.
    let sinks: [any AudioSink]
    /// The one sink to write: the only one, or a fan-out over all (nil when none was asked for).
    let sink: (any AudioSink)?
    let jack: JackAudioSink?
    private let watcher: DispatchSourceTimer?

    private init(sinks: [any AudioSink], sink: (any AudioSink)?, jack: JackAudioSink?, watcher: DispatchSourceTimer?) {
        self.sinks = sinks
        self.sink = sink
        self.jack = jack
        self.watcher = watcher
    }

    /// Underruns while audio was due and xruns, from the JACK sink (nil without one).
    var counters: (@Sendable () -> (underruns: Int, xruns: Int))? {
        guard let jack else { return nil }
        return { (jack.underruns, jack.jack.xruns) }
    }

    static func open(_ specs: [SinkSpec], options: SinkOptions, modelRate: Int,
                     jackConfiguration: (([String]) -> JackSink.Configuration)? = nil,
                     log: @escaping @Sendable (String) -> Void) throws -> LiveOutputs {
        var sinks: [any AudioSink] = []
        var jack: JackAudioSink?
        var watcher: DispatchSourceTimer?
        do {
            for spec in specs {
                switch spec {
                case let .jack(ports):
                    guard jack == nil else { throw SinkSpecError(spec: spec.description, reason: "give one JACK sink (list several ports in it)") }
                    let configuration = jackConfiguration?(ports) ?? options.jackConfiguration(ports)
                    let opened = try JackAudioSink(configuration: configuration)
                    opened.waitsForReconnection = options.reconnect
                    if options.reconnect { watcher = watchForShutdown(opened, log: log) }
                    log("playing into JACK as \(opened.jack.portNames.joined(separator: ", ")) at \(opened.sampleRate) Hz")
                    jack = opened
                    sinks.append(opened)
                case let .wav(path):
                    sinks.append(try WAVStreamSink(url: URL(fileURLWithPath: (path as NSString).expandingTildeInPath),
                                                   sampleRate: modelRate, format: .s16))
                case .http, .icecast:
                    continue  // serve's own outputs (the broadcaster and the Icecast source)
                }
            }
        } catch {
            for sink in sinks { sink.cancel() }
            watcher?.cancel()
            throw error
        }
        let sink: (any AudioSink)? = sinks.count <= 1 ? sinks.first : try FanOutSink(sampleRate: modelRate, sinks: sinks, log: { log("[sink] " + $0) })
        return LiveOutputs(sinks: sinks, sink: sink, jack: jack, watcher: watcher)
    }

    func stopWatching() { watcher?.cancel() }

    /// With --reconnect: when the server goes away, retry opening the client every half second.
    private static func watchForShutdown(_ sink: JackAudioSink, log: @escaping @Sendable (String) -> Void) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 0.5, repeating: 0.5)
        timer.setEventHandler {
            guard !sink.jack.isRunning else { return }
            log("JACK server went away (\(sink.jack.shutdownMessage ?? "shutdown")); reconnecting…")
            if (try? sink.jack.reconnect()) != nil { log("reconnected to JACK") }
        }
        timer.resume()
        return timer
    }
}

/// The one-line statistics `--stats` prints every second.
enum EngineStatisticsLine {
    static func describe(_ engine: StreamingEngine) -> String {
        let s = engine.statistics
        var line = String(format: "utterances %d, queued %d, audio %.1f s, RTF %.2f, TTFA %@, underruns %d, xruns %d, deadlines met %.1f %%",
                          s.utterances, s.queued, s.audioSeconds, s.realTimeFactor,
                          s.lastTimeToFirstAudio.map { String(format: "%.2f s", $0) } ?? "-", s.underruns, s.xruns, s.deadlinesMet * 100)
        if engine.configuration.gapless != nil {
            line += String(format: ", gapless lead correction %+.2f s", s.gaplessLeadLearning.correction)
        }
        if let plan = s.routerPlan {
            let decisions = s.routerDecisions.keys.sorted().map { "\($0) \(s.routerDecisions[$0] ?? 0)" }.joined(separator: ", ")
            line += "; router: \(plan)" + (decisions.isEmpty ? "" : " (\(decisions))")
        }
        return line
    }
}
