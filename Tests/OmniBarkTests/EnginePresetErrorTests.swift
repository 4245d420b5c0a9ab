import Foundation
import Testing
@testable import OmniBark

/// Preset files that must be refused, each with the file and field path named.
@Suite struct EnginePresetErrorTests {
    /// Parses `json` as the user file `p.json` and returns the error's text, or records an issue.
    func refusal(_ json: String) -> String {
        do {
            _ = try EnginePreset.parse(Data(json.utf8), file: "p.json")
            Issue.record("accepted: \(json)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func unknownFieldsAreRefusedAtEveryDepth() {
        let cases: [(String, String)] = [
            (#"{"name": "x", "latencies": {}}"#, "p.json: field 'latencies': unknown field"),
            (#"{"name": "x", "latency": {"min_lead": 1}}"#, "p.json: field 'latency.min_lead': unknown field"),
            (#"{"name": "x", "modalities": {"smell": {}}}"#, "p.json: field 'modalities.smell': unknown field"),
            (#"{"name": "x", "modalities": {"text": {"wieght": 1}}}"#, "p.json: field 'modalities.text.wieght': unknown field"),
            (#"{"name": "x", "generation": {"fine_mode": {"chunk": 8, "lookahead": 0, "context": 0, "hop": 2}}}"#,
             "p.json: field 'generation.fine_mode.hop': unknown field"),
            (#"{"name": "x", "generation": {"sampler": "greedy"}}"#, "p.json: field 'generation.sampler': unknown field"),
            (#"{"name": "x", "midi": {"program": 1}}"#, "p.json: field 'midi.program': unknown field"),
            (#"{"name": "x", "osc": {"address": "/bark"}}"#, "p.json: field 'osc.address': unknown field"),
            (#"{"name": "x", "reference": {"window": 3}}"#, "p.json: field 'reference.window': unknown field"),
        ]
        for (json, expected) in cases {
            let message = refusal(json)
            #expect(message.hasPrefix(expected), "\(message)")
        }
    }

    @Test func eachBadValueIsRefusedNamingItsField() {
        let cases: [(String, String)] = [
            (#"{"description": "no name"}"#, "field 'name': missing"),
            (#"{"name": ""}"#, "field 'name': must be the preset's name"),
            (#"{"name": " padded"}"#, "field 'name': must be the preset's name"),
            (#"{"name": 3}"#, "field 'name': must be a string (got 3)"),
            (#"{"name": "x", "description": 1}"#, "field 'description': must be a string"),
            (#"{"name": "x", "latency": 3}"#, "field 'latency': must be an object"),
            (#"{"name": "x", "latency": {"target_first_audio_s": -1}}"#, "field 'latency.target_first_audio_s': must be a number ≥ 0 (got -1)"),
            (#"{"name": "x", "latency": {"max_lag_s": "1"}}"#, "field 'latency.max_lag_s': must be a number ≥ 0 (got \"1\")"),
            (#"{"name": "x", "latency": {"min_lead_s": true}}"#, "field 'latency.min_lead_s': must be a number ≥ 0 (got true)"),
            (#"{"name": "x", "latency": {"min_lead_s": null}}"#, "field 'latency.min_lead_s': must be a number ≥ 0 (got null)"),
            (#"{"name": "x", "modalities": {"audio": {"weight": -0.5}}}"#, "field 'modalities.audio.weight': must be a number ≥ 0"),
            (#"{"name": "x", "modalities": {"text": {"priority": 1.5}}}"#, "field 'modalities.text.priority': must be an integer"),
            (#"{"name": "x", "modalities": {"image": {"required": 1}}}"#, "field 'modalities.image.required': must be true or false (got 1)"),
            (#"{"name": "x", "modalities": {"control": []}}"#, "field 'modalities.control': must be an object"),
            (#"{"name": "x", "generation": {"fine_mode": "fast"}}"#, "field 'generation.fine_mode': must be \"low-latency\", \"exact\" or {"),
            (#"{"name": "x", "generation": {"fine_mode": {"chunk": 0, "lookahead": 1, "context": 1}}}"#,
             "field 'generation.fine_mode.chunk': must be an integer 1…1024"),
            (#"{"name": "x", "generation": {"fine_mode": {"chunk": 8, "lookahead": 2000, "context": 1}}}"#,
             "field 'generation.fine_mode.lookahead': must be an integer 0…1024"),
            (#"{"name": "x", "generation": {"fine_mode": {"chunk": 8, "lookahead": 1}}}"#, "field 'generation.fine_mode.context': missing"),
            (#"{"name": "x", "generation": {"weights": "f16"}}"#,
             "field 'generation.weights': must be \"f32\", \"bf16\", \"int8\" or \"q4\" (got \"f16\")"),
            (#"{"name": "x", "generation": {"mode": "fast"}}"#, "field 'generation.mode': must be \"exact\" or \"live\" (got \"fast\")"),
            (#"{"name": "x", "sinks": "jack"}"#, "field 'sinks': must be an array of sink specs"),
            (#"{"name": "x", "sinks": [3]}"#, "field 'sinks[0]': must be a string"),
            (#"{"name": "x", "sinks": ["jack", "alsa"]}"#, "field 'sinks[1]': expected jack, jack:PORT[,PORT], wav:FILE, http:PORT or icecast:URL"),
            (#"{"name": "x", "sinks": ["wav:"]}"#, "field 'sinks[0]': wav:FILE needs a file name"),
            (#"{"name": "x", "sinks": ["http:70000"]}"#, "field 'sinks[0]': http:PORT needs a port 1…65535 (or 0 for any free port)"),
            (#"{"name": "x", "sinks": ["http:8000", "http:8001"]}"#, "field 'sinks[1]': a second http: sink"),
            (#"{"name": "x", "sinks": ["icecast:ftp://host/mount"]}"#, "field 'sinks[0]': icecast:URL needs a URL"),
            (#"{"name": "x", "midi": {"notes": {"128": 0}}}"#, "field 'midi.notes.128': a note number must be 0…127"),
            (#"{"name": "x", "midi": {"notes": {"036": 0}}}"#, "field 'midi.notes.036': a note number must be 0…127"),
            (#"{"name": "x", "midi": {"notes": {"36": -1}}}"#, "field 'midi.notes.36': must be an integer ≥ 0 (an SFX slot) (got -1)"),
            (#"{"name": "x", "midi": {"notes": {"36": "kick"}}}"#, "field 'midi.notes.36': must be an integer ≥ 0 (an SFX slot) (got \"kick\")"),
            (#"{"name": "x", "midi": {"notes": [36]}}"#, "field 'midi.notes': must be an object of note number to SFX slot"),
            (#"{"name": "x", "midi": {"cc": {"-1": "style"}}}"#, "field 'midi.cc.-1': a controller number must be 0…127"),
            (#"{"name": "x", "midi": {"cc": {"1": "volume"}}}"#,
             "field 'midi.cc.1': must be \"style\", \"weight/text\", \"weight/audio\", \"weight/image\" or \"weight/control\" (got \"volume\")"),
            (#"{"name": "x", "midi": {"channel": 17}}"#, "field 'midi.channel': must be an integer 0…16 (0 = every channel) (got 17)"),
            (#"{"name": "x", "osc": {"port": 70000}}"#, "field 'osc.port': must be an integer 0…65535 (0 = no OSC) (got 70000)"),
            (#"{"name": "x", "osc": {"host": ""}}"#, "field 'osc.host': must be a host name or address"),
            (#"{"name": "x", "osc": {"host": "local host"}}"#, "field 'osc.host': must be a host name or address without spaces"),
            (#"{"name": "x", "reference": {"window_s": -4}}"#, "field 'reference.window_s': must be a number ≥ 0 (got -4)"),
            (#"{"name": "x", "reference": {"refresh": "always"}}"#, "field 'reference.refresh': must be \"utterance\" or \"chunk\" (got \"always\")"),
            (#"{"name": "x", "router": true}"#, "field 'router': must be \"on\" or \"off\" (got true)"),
            (#"[]"#, "field '(root)': must be an object"),
        ]
        for (json, expected) in cases {
            let message = refusal(json)
            #expect(message.hasPrefix("p.json: ") && message.contains(expected), "\(json) → \(message)")
        }
    }

    @Test func theIcecastPasswordIsNotEchoed() {
        let message = refusal(#"{"name": "x", "sinks": ["icecast:http://source:s3cret@host"]}"#)
        #expect(message.contains("field 'sinks[0]'") && !message.contains("s3cret"), "\(message)")
    }

    @Test func malformedJSONIsDescribedInWords() {
        let message = refusal(#"{"name": "x", "latency": }"#)
        #expect(message.hasPrefix("p.json: the preset is not valid JSON: "), "\(message)")
        #expect(!message.contains("NSCocoaErrorDomain") && !message.contains("Error Domain"), "\(message)")
    }
}
