/// A complete engine configuration under one name: latency targets, modality weighting, the
/// generation settings, the outputs, the MIDI and OSC control maps, the live reference window and
/// the router switch.
///
/// Four presets are built in (`live-speech`, `daw`, `broadcast`, `hifi`; the files in the
/// repository's `presets/` folder, embedded in the binary). A user preset is a JSON file of the
/// same shape (`omnibark … --preset FILE`); it must give `name` and may leave out any other
/// field, at any depth: a left-out field takes the `live-speech` value (`{"name": "mine",
/// "latency": {"min_lead_s": 1}}` is `live-speech` with a 1 s lead), except `description`, which
/// is empty. Maps (`midi.notes`, `midi.cc`) and the `sinks` list are values: given, they replace
/// the default whole. Unknown fields and bad values are errors naming the file and the field path
/// (`presets/daw.json: field 'latency.min_lead_s': must be a number ≥ 0`), so that a typo cannot
/// silently fall back to a default. See `EnginePreset+Loading.swift` for the JSON field list.
///
/// Command-line flags override the preset's settings; the preset only fills in what the command
/// line leaves unset.
public struct EnginePreset: Sendable, Equatable {
    /// The preset's name (JSON `name`; the file name for the built-ins).
    public var name: String
    /// One line for `--help` and logs (JSON `description`).
    public var description: String
    /// Latency targets (JSON `latency`).
    public var latency: Latency
    /// Priority, weight and requirement of each input modality (JSON `modalities`).
    public var modalities: Modalities
    /// Fine-stage mode, weight format and generation mode (JSON `generation`).
    public var generation: Generation
    /// Output specs as the CLI's `--sink` takes them (`jack`, `wav:FILE`, `http:PORT`,
    /// `icecast:URL`); empty means the command's default output. See `PresetSinkSpec`.
    public var sinks: [String]
    /// MIDI note and controller maps (JSON `midi`).
    public var midi: MIDIMap
    /// The OSC control listener (JSON `osc`).
    public var osc: OSC
    /// The live reference audio kept for conditioning (JSON `reference`).
    public var reference: Reference
    /// Whether the request router is on (JSON `router`: "on" or "off"). Parsed and kept for the
    /// router, which reads it.
    public var router: Bool
    /// The router's steps in the order it takes them (JSON `router_steps`, a list of step names;
    /// default `RouterStep.defaultOrder`). A step left out is never taken: a show that would rather
    /// miss a deadline than lose the fine stage leaves out `coarse-only`.
    public var routerSteps: [RouterStep]
    /// Where the preset came from: `presets/NAME.json` for a built-in, else the file's path. Used
    /// in messages.
    public var source: String

    public init(name: String, description: String, latency: Latency, modalities: Modalities, generation: Generation,
                sinks: [String], midi: MIDIMap, osc: OSC, reference: Reference, router: Bool,
                routerSteps: [RouterStep] = RouterStep.defaultOrder, source: String) {
        self.name = name
        self.description = description
        self.latency = latency
        self.modalities = modalities
        self.generation = generation
        self.sinks = sinks
        self.midi = midi
        self.osc = osc
        self.reference = reference
        self.router = router
        self.routerSteps = routerSteps
        self.source = source
    }
}
