import ArgumentParser
import Foundation
import Checkpoints
import OmniBark
import Streaming

/// `--sink` (repeatable) and the JACK settings (shared by live and serve); one parser
/// (`SinkSpec`) for every spec.
struct SinkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output, repeatable: jack, jack:PORT[,PORT] (connect to those ports), wav:FILE, http:PORT, icecast:URL.", valueName: "spec"))
    var sink: [String] = []

    @Option(help: "JACK server name (default: $JACK_DEFAULT_SERVER, else the default server).")
    var server: String?

    @Option(help: ArgumentHelp("JACK ports to connect out_1 (and out_2) to, comma-separated (same as jack:PORT,…).", valueName: "ports"))
    var connect: String?

    @Flag(help: "Register out_1 and out_2 (the same mono signal).")
    var stereo = false

    @Flag(help: "When the JACK server goes away, keep trying to reconnect instead of exiting.")
    var reconnect = false

    func validate() throws {
        for spec in sink {
            do { _ = try SinkSpec.parse(spec) } catch { throw ValidationError("--sink \(spec): \(error.reason)") }
        }
    }

    /// The parsed specs, or `fallback` when none was given.
    func specs(fallback: [String]) throws -> [SinkSpec] {
        let texts = sink.isEmpty ? fallback : sink
        return try texts.map { text in
            do { return try SinkSpec.parse(text) } catch let error as SinkSpecError { throw ValidationError("--sink \(text): \(error.reason)") }
        }
    }

    /// Checks every wav: path before anything loads.
    static func checkOutputs(_ specs: [SinkSpec]) throws {
        for case let .wav(path) in specs { try OutputFile.check((path as NSString).expandingTildeInPath) }
    }

    /// The JACK configuration for a `jack` spec (ports from the spec, else --connect).
    func jackConfiguration(_ ports: [String], clientName: String = "omnibark", midiInput: Bool = false,
                           referenceInput: Bool = false) -> JackSink.Configuration {
        let connectTo = ports.isEmpty ? (connect.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []) : ports
        return JackSink.Configuration(clientName: clientName, serverName: server, channels: stereo ? 2 : 1, connectTo: connectTo,
                                      midiInput: midiInput, referenceInput: referenceInput)
    }
}
