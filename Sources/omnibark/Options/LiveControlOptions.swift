import ArgumentParser
import Foundation
import LiveControl
import OmniBark

/// How a running stream is steered live (shared by live and serve): JACK MIDI in, OSC, the
/// event log, and live reference audio from JACK. Unset flags take the preset's values.
struct LiveControlOptions: ParsableArguments {
    @Flag(name: .customLong("midi-in"), help: "Register the JACK MIDI input omnibark:control_in: mapped notes trigger SFX slots, mapped controllers steer the style or a modality's weight, MIDI clock and JACK transport give beat markers (maps from the preset).")
    var midiIn = false

    @Option(name: .customLong("osc-port"), help: ArgumentHelp("Listen for OSC on this UDP port (0: any free port; see README \"Live control\" for the addresses). Default: the preset's, else off.", valueName: "port"))
    var oscPort: Int?

    @Option(name: .customLong("osc-host"), help: ArgumentHelp("Address the OSC port binds (default 127.0.0.1; 0.0.0.0 for every interface).", valueName: "host"))
    var oscHost: String?

    @Option(name: .customLong("event-log"), help: ArgumentHelp("Write one JSON line per live event (source, kind, payload, received_sample, applied_frame, latency_ms, or dropped with the reason).", valueName: "file"))
    var eventLog: String?

    @Flag(name: .customLong("reference-in"), help: "Register the JACK audio input omnibark:reference_in: the last --reference-seconds of what plays into it condition each utterance through the audio adapter (needs --adapters).")
    var referenceIn = false

    @Option(name: .customLong("reference-seconds"), help: ArgumentHelp("Seconds of live reference audio kept (default: the preset's, else 8).", valueName: "seconds"))
    var referenceSeconds: Double?

    func validate() throws {
        if let oscPort, !(0...65_535).contains(oscPort) { throw ValidationError("--osc-port must be 1…65535 (or 0 for any free port), got \(oscPort)") }
        if let referenceSeconds, !(referenceSeconds >= 0.5 && referenceSeconds <= 60) {
            throw ValidationError("--reference-seconds must be between 0.5 and 60, got \(referenceSeconds)")
        }
    }

    /// Checks what the flags need from the rest of the command line: JACK ports need a JACK sink,
    /// live reference audio needs adapters.
    func check(sinks: [SinkSpec], hasAdapters: Bool) throws {
        if (midiIn || referenceIn) && !sinks.contains(where: { if case .jack = $0 { return true }; return false }) {
            throw ValidationError("--midi-in and --reference-in are JACK ports: add --sink jack")
        }
        if referenceIn && !hasAdapters {
            throw ValidationError("--reference-in conditions generation through the audio adapter: add --adapters FILE")
        }
    }

    /// The OSC port to open: the flag, else the preset's (0 there means off); nil: no OSC.
    func oscPort(preset: EnginePreset?) -> Int? {
        if let oscPort { return oscPort }
        guard let preset, preset.osc.isEnabled else { return nil }
        return preset.osc.port
    }

    /// Whether any live control is asked for (then the engine gets an inbox).
    func wantsInbox(preset: EnginePreset?) -> Bool {
        midiIn || oscPort(preset: preset) != nil || eventLog != nil
    }

    /// The inbox, with the event log when --event-log is given; diagnostics go to `log`.
    func makeInbox(log: @escaping @Sendable (String) -> Void) throws -> LiveEventInbox {
        let file = try eventLog.map { try LiveEventLog(url: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath)) }
        return LiveEventInbox(log: file, diagnostics: { log("[events] " + $0) })
    }
}
