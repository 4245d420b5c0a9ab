import Foundation
import LiveControl
import OmniBark

/// The live part of `omnibark bench` as table lines and as the JSON object under `"live"`.
/// Values that were not measured are JSON null (table: "-"), never placeholder numbers.
enum LiveBenchFormatting {
    /// Sources that cannot be measured by `bench`, with the reason (table and JSON `not_measured`).
    static let notMeasured = ["http": "POST /control needs `omnibark serve`; its handler posts into the same inbox as api"]

    static func lines(_ r: LiveEngineBenchmarkReport) -> [String] {
        let s = r.statistics
        // The original line first, unchanged.
        var lines = [String(format: "live into JACK: %.1f s of audio in %d utterances; time to first audio %.2f s; real-time factor %.2f; underruns %d; xruns %d",
                            s.audioSeconds, s.utterances, s.timeToFirstAudio ?? -1, s.realTimeFactor, s.underruns, s.xruns)]
        let policy = r.settings.gapless.map { String(format: "gapless, min lead %.2f s", $0.minimumLead) } ?? "no gapless"
        lines.append("live per utterance (\(policy)): time to first audio p50 \(seconds(r.timeToFirstAudioP50)), p95 \(seconds(r.timeToFirstAudioP95)), max \(seconds(r.timeToFirstAudioMax)); "
            + "gaps per utterance \(number(r.gapsPerUtterance)) (max \(r.gapsMax.map(String.init) ?? "-")); lead held p50 \(seconds(r.leadSecondsP50))"
            + (r.settings.gapless == nil ? "" : String(format: "; lead correction learned %+.2f s", s.gaplessLeadLearning.correction)))
        lines.append("live server: \(r.server.isPrivate ? "private jackd -d dummy" : "'\(r.server.name)'"), \(r.server.sampleRate) Hz, \(r.server.period)-frame periods")
        for source in r.eventSources {
            let f = r.events[source] ?? LiveEventSourceFigures()
            lines.append("live events \(source.rawValue): applied \(f.applied), dropped \(f.dropped); latency p50 \(milliseconds(f.latencyMsP50)), p95 \(milliseconds(f.latencyMsP95))")
        }
        if !r.eventSources.isEmpty {
            for (source, reason) in notMeasured.sorted(by: { $0.key < $1.key }) { lines.append("live events \(source): not measured (\(reason))") }
        }
        if let reference = r.reference {
            lines.append("live reference: encoder \(number(reference.encoderSecondsPerAudioSecond, digits: 3)) s per audio second, \(seconds(reference.secondsPerRefresh, digits: 3)) per refresh "
                + "(\(reference.refreshes) refreshes of a \(String(format: "%.1f", reference.windowSeconds)) s window)")
        }
        lines.append(String(format: "live deadlines: %.1f %% of %d chunks delivered before they were due", s.deadlinesMet * 100, s.chunksDue))
        if let plan = s.routerPlan {
            let decisions = s.routerDecisions.keys.sorted().map { "\($0) \(s.routerDecisions[$0] ?? 0)" }.joined(separator: ", ")
            lines.append("live router: plan at the end \(plan); decisions \(decisions.isEmpty ? "none" : decisions)"
                + (s.routerMeasured.map { String(format: "; measured real-time factor %.2f", $0) } ?? ""))
        }
        lines += r.notes.map { "live note: \($0)" }
        return lines
    }

    static func json(_ r: LiveEngineBenchmarkReport) -> [String: Any] {
        let s = r.statistics
        var object: [String: Any] = [
            // The original keys.
            "audio_s": s.audioSeconds, "utterances": s.utterances, "time_to_first_audio_s": s.timeToFirstAudio ?? -1,
            "real_time_factor": s.realTimeFactor, "underruns": s.underruns, "xruns": s.xruns,
            // Per utterance.
            "time_to_first_audio_p50_s": value(r.timeToFirstAudioP50), "time_to_first_audio_p95_s": value(r.timeToFirstAudioP95),
            "time_to_first_audio_max_s": value(r.timeToFirstAudioMax), "gaps_per_utterance": value(r.gapsPerUtterance),
            "gaps_max": value(r.gapsMax.map(Double.init)), "lead_s_p50": value(r.leadSecondsP50),
            "settings": settings(r), "notes": r.notes,
            "deadlines_met": s.deadlinesMet, "chunks_due": s.chunksDue, "chunks_late": s.chunksLate,
            "decisions": decisions(s), "router_plan": s.routerPlan.map { $0 as Any } ?? NSNull(),
            "gapless_lead_correction_s": s.gaplessLeadLearning.correction,
        ]
        if !r.eventSources.isEmpty {
            var events: [String: Any] = [:]
            for source in r.eventSources {
                let f = r.events[source] ?? LiveEventSourceFigures()
                events[source.rawValue] = ["applied": f.applied, "dropped": f.dropped,
                                           "latency_ms_p50": value(f.latencyMsP50), "latency_ms_p95": value(f.latencyMsP95)]
            }
            object["events"] = events
            object["events_not_measured"] = notMeasured
        }
        if let reference = r.reference {
            object["reference"] = ["encoder_s_per_audio_s": value(reference.encoderSecondsPerAudioSecond),
                                   "seconds_per_refresh": value(reference.secondsPerRefresh), "refreshes": reference.refreshes,
                                   "encoded_audio_s": reference.audioSeconds, "window_s": reference.windowSeconds]
        }
        return object
    }

    /// Router decisions by policy step: `{"skip-modality": {"apply": 2, "restore": 1}}`.
    static func decisions(_ s: EngineStatistics) -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        for (key, count) in s.routerDecisions {
            let parts = key.split(separator: " ").map(String.init)
            guard parts.count == 2 else { continue }
            out[parts[0], default: [:]][parts[1]] = count
        }
        return out
    }

    private static func settings(_ r: LiveEngineBenchmarkReport) -> [String: Any] {
        let s = r.settings
        var fineMode = "exact"
        if case let .chunked(chunk, lookahead, context) = s.fineMode { fineMode = "chunked \(chunk)/\(lookahead)/\(context)" }
        return ["seconds": s.seconds, "gapless": s.gapless != nil, "min_lead_s": value(s.gapless?.minimumLead),
                "server": r.server.name, "private_server": r.server.isPrivate, "sample_rate": r.server.sampleRate,
                "period": r.server.period, "events": s.events, "event_interval_s": s.eventInterval,
                "event_sources": r.eventSources.map(\.rawValue), "reference": s.reference,
                "reference_window_s": s.referenceWindowSeconds, "reference_refresh_s": s.referenceRefreshSeconds,
                "reference_refresh_each_chunk": s.refreshesReferenceEachChunk, "fine_mode": fineMode,
                "utterance_semantic_tokens": s.utteranceSemanticTokens, "all_modalities": s.allModalities,
                "router": s.router != nil, "router_steps": s.router.map { $0.order.map(\.rawValue) as Any } ?? NSNull(), "lighter_weights": s.router?.lighter.map { $0.format.rawValue as Any } ?? NSNull(),
                "lighter_weights_relative_cost": value(s.router?.lighter?.relativeCost), "hog": s.hog, "mode": s.mode.rawValue,
                "live_settings": s.mode == .live ? s.live.reportFields as Any : NSNull()]
    }

    private static func value(_ x: Double?) -> Any { x.map { $0 as Any } ?? NSNull() }
    private static func seconds(_ x: Double?, digits: Int = 2) -> String { x.map { String(format: "%.\(digits)f s", $0) } ?? "-" }
    private static func milliseconds(_ x: Double?) -> String { x.map { String(format: "%.1f ms", $0) } ?? "-" }
    private static func number(_ x: Double?, digits: Int = 2) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "-" }
}
