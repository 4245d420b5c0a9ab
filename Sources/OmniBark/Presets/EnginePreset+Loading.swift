import Checkpoints
import Foundation

/// Loading presets: the built-ins by name, user files by path, and `--preset NAME|FILE`.
///
/// JSON fields (snake_case; seconds are finite numbers ≥ 0):
/// ```json
/// {"name": "mine", "description": "…",
///  "latency": {"target_first_audio_s": 1.0, "max_lag_s": 0.5, "min_lead_s": 0.2},
///  "modalities": {"text": {"priority": 3, "weight": 1.0, "required": true}, "audio": {…}, "image": {…}, "control": {…}},
///  "generation": {"fine_mode": "low-latency" | "exact" | {"chunk": 32, "lookahead": 32, "context": 256},
///                 "weights": "f32" | "bf16" | "int8" | "q4", "mode": "exact" | "live"},
///  "sinks": ["jack", "wav:FILE", "http:PORT", "icecast:URL"],
///  "midi": {"notes": {"36": 0}, "cc": {"1": "style", "7": "weight/audio"}, "channel": 0},
///  "osc": {"port": 0, "host": "127.0.0.1"},
///  "reference": {"window_s": 4.0, "refresh": "utterance" | "chunk"},
///  "router": "on" | "off",
///  "router_steps": ["skip-modality", "drop-fusion-layers", "shorter-fine-context", "fewer-fine-codebooks",
///                   "rolling-coarse", "lighter-weights", "coarse-only"]}
/// ```
/// The built-ins give every field but `router_steps` (optional everywhere: the order above, the
/// default); a user file must give `name` and takes the `live-speech`
/// value for any field it leaves out (see `EnginePreset`).
extension EnginePreset {
    /// The built-in presets' names: live-speech, daw, broadcast, hifi.
    public static let builtInNames: [String] = BuiltInPresets.all.map(\.name)

    /// The built-in preset `name`.
    ///
    /// - Throws: `EnginePresetError.unknownPreset` (listing the built-ins) for any other name.
    public static func named(_ name: String) throws -> EnginePreset {
        guard let entry = BuiltInPresets.all.first(where: { $0.name == name }) else {
            throw EnginePresetError.unknownPreset(name: name, builtIns: builtInNames)
        }
        return try parse(Data(entry.json.utf8), file: entry.file, base: nil)
    }

    /// The preset in the JSON file at `url` (a user preset: fields it leaves out take the
    /// `live-speech` values). Reads the file on the calling thread.
    ///
    /// - Throws: `EnginePresetError` naming `url.path` (and the field, for a bad value).
    public static func load(contentsOf url: URL) throws -> EnginePreset {
        try load(contentsOf: url, file: url.path)
    }

    /// `--preset`'s value: a name without `/` that does not end in `.json` is a built-in
    /// (`daw`); anything else is a file path (`./daw.json`, `~/presets/mine.json`, `mine.json`).
    public static func resolve(_ nameOrPath: String) throws -> EnginePreset {
        if !nameOrPath.contains("/") && !nameOrPath.hasSuffix(".json") { return try named(nameOrPath) }
        // Errors name the path as it was given.
        return try load(contentsOf: URL(fileURLWithPath: (nameOrPath as NSString).expandingTildeInPath), file: nameOrPath)
    }

    private static func load(contentsOf url: URL, file: String) throws -> EnginePreset {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EnginePresetError.unreadable(file: file, reason: ErrorMessage.reason(error))
        }
        return try parse(data, file: file)
    }

    /// Parses a user preset's JSON; `file` names it in errors and becomes `source`.
    public static func parse(_ data: Data, file: String) throws -> EnginePreset {
        try parse(data, file: file, base: named(builtInNames[0]))
    }

    /// `base` fills absent fields; nil requires every field (the built-ins).
    static func parse(_ data: Data, file: String, base: EnginePreset?) throws -> EnginePreset {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw EnginePresetError.malformedJSON(file: file, reason: DecodingErrorText.syntax(error))
        }
        return try PresetReader(file: file).preset(root, base: base)
    }
}
