/// The built-in presets, byte for byte the repository's `presets/*.json` (a test compares them):
/// embedded so that the binary needs no file beside it. Edit a JSON file, then copy it here
/// between the delimiters.
enum BuiltInPresets {
    /// The built-ins in the order `EnginePreset.builtInNames` lists them: name, repository path, JSON.
    static let all: [(name: String, file: String, json: String)] = [
        ("live-speech", "presets/live-speech.json", liveSpeech),
        ("daw", "presets/daw.json", daw),
        ("broadcast", "presets/broadcast.json", broadcast),
        ("hifi", "presets/hifi.json", hifi),
    ]

    static let liveSpeech = #"""
{
  "name": "live-speech",
  "description": "Speech with the shortest delay: chunked fine stage, int8 weights, a small lead, into JACK. The defaults for every field a user preset leaves out.",
  "latency": {
    "target_first_audio_s": 1.0,
    "max_lag_s": 0.5,
    "min_lead_s": 0.2
  },
  "modalities": {
    "text": { "priority": 3, "weight": 1.0, "required": true },
    "audio": { "priority": 2, "weight": 0.5, "required": false },
    "image": { "priority": 1, "weight": 0.25, "required": false },
    "control": { "priority": 0, "weight": 1.0, "required": false }
  },
  "generation": {
    "fine_mode": "low-latency",
    "weights": "int8",
    "mode": "live",
    "fast_start": true,
    "kv_cache": "f16"
  },
  "sinks": ["jack"],
  "midi": {
    "notes": {},
    "cc": {},
    "channel": 0
  },
  "osc": {
    "port": 0,
    "host": "127.0.0.1"
  },
  "reference": {
    "window_s": 4.0,
    "refresh": "utterance"
  },
  "router": "off"
}
"""#

    static let daw = #"""
{
  "name": "daw",
  "description": "Playing along in a DAW: JACK output, MIDI notes 36-43 trigger SFX slots 0-7, CC 1 steers the style and CC 7 the reference-audio weight, OSC on port 9000, an 8 s live reference refreshed every chunk.",
  "latency": {
    "target_first_audio_s": 1.5,
    "max_lag_s": 0.25,
    "min_lead_s": 0.5
  },
  "modalities": {
    "text": { "priority": 2, "weight": 1.0, "required": true },
    "audio": { "priority": 3, "weight": 1.0, "required": false },
    "image": { "priority": 0, "weight": 0.0, "required": false },
    "control": { "priority": 4, "weight": 1.0, "required": false }
  },
  "generation": {
    "fine_mode": { "chunk": 32, "lookahead": 48, "context": 384 },
    "weights": "int8",
    "mode": "live",
    "fast_start": false,
    "kv_cache": "f16"
  },
  "sinks": ["jack"],
  "midi": {
    "notes": { "36": 0, "37": 1, "38": 2, "39": 3, "40": 4, "41": 5, "42": 6, "43": 7 },
    "cc": { "1": "style", "7": "weight/audio", "11": "weight/text" },
    "channel": 0
  },
  "osc": {
    "port": 9000,
    "host": "127.0.0.1"
  },
  "reference": {
    "window_s": 8.0,
    "refresh": "chunk"
  },
  "router": "off"
}
"""#

    static let broadcast = #"""
{
  "name": "broadcast",
  "description": "Serving listeners over HTTP (Ogg Opus): exact fine stage, a 2 s lead so that a slow chunk never reaches the stream, the request router on.",
  "latency": {
    "target_first_audio_s": 4.0,
    "max_lag_s": 2.0,
    "min_lead_s": 2.0
  },
  "modalities": {
    "text": { "priority": 3, "weight": 1.0, "required": true },
    "audio": { "priority": 1, "weight": 0.5, "required": false },
    "image": { "priority": 0, "weight": 0.0, "required": false },
    "control": { "priority": 2, "weight": 0.5, "required": false }
  },
  "generation": {
    "fine_mode": "exact",
    "weights": "int8",
    "mode": "exact",
    "fast_start": false,
    "kv_cache": "f32"
  },
  "sinks": ["http:8000"],
  "midi": {
    "notes": {},
    "cc": {},
    "channel": 0
  },
  "osc": {
    "port": 0,
    "host": "127.0.0.1"
  },
  "reference": {
    "window_s": 4.0,
    "refresh": "utterance"
  },
  "router": "on"
}
"""#

    static let hifi = #"""
{
  "name": "hifi",
  "description": "Best quality, latency no object: f32 weights, exact fine stage, 6 s of audio generated ahead before playback starts.",
  "latency": {
    "target_first_audio_s": 10.0,
    "max_lag_s": 4.0,
    "min_lead_s": 6.0
  },
  "modalities": {
    "text": { "priority": 3, "weight": 1.0, "required": true },
    "audio": { "priority": 2, "weight": 0.75, "required": false },
    "image": { "priority": 1, "weight": 0.25, "required": false },
    "control": { "priority": 0, "weight": 0.5, "required": false }
  },
  "generation": {
    "fine_mode": "exact",
    "weights": "f32",
    "mode": "exact",
    "fast_start": false,
    "kv_cache": "f32"
  },
  "sinks": ["jack"],
  "midi": {
    "notes": {},
    "cc": {},
    "channel": 0
  },
  "osc": {
    "port": 0,
    "host": "127.0.0.1"
  },
  "reference": {
    "window_s": 10.0,
    "refresh": "utterance"
  },
  "router": "off"
}
"""#
}
