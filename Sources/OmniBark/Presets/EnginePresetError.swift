/// Why a preset was rejected; each case names the file (or the name asked for) and, where there is
/// one, the field as a JSON path (`modalities.audio.weight`, `midi.notes.36`, `sinks[1]`).
public enum EnginePresetError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case malformedJSON(file: String, reason: String)
    case invalidField(file: String, field: String, reason: String)
    /// `--preset NAME` with a name that is not built in (and not a path).
    case unknownPreset(name: String, builtIns: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read the preset: \(reason)"
        case let .malformedJSON(file, reason): return "\(file): the preset is not valid JSON: \(reason)"
        case let .invalidField(file, field, reason): return "\(file): field '\(field)': \(reason)"
        case let .unknownPreset(name, builtIns):
            return "unknown preset '\(name)': the built-in presets are \(builtIns.joined(separator: ", ")) "
                + "(or give the path of a preset .json file)"
        }
    }
}
