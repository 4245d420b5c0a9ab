import Bark
import Foundation
import Tensors

/// The preset's sections. `base` is what an absent field takes: the `live-speech` preset for a
/// user file, nil for a built-in (every field required).
extension PresetReader {
    static let topLevelFields = ["name", "description", "latency", "modalities", "generation", "sinks", "midi", "osc", "reference", "router",
                                 "router_steps"]

    func preset(_ root: Any, base: EnginePreset?) throws -> EnginePreset {
        let object = try self.object(root, at: "(root)", known: Self.topLevelFields)
        let name = try field(object, "name", at: "", fallback: nil) { try word($0, at: $1, what: "the preset's name") }
        // A user preset that gives no description gets none, not live-speech's.
        let description = try field(object, "description", at: "", fallback: base.map { _ in "" }) { try string($0, at: $1) }
        return EnginePreset(
            name: name, description: description,
            latency: try field(object, "latency", at: "", fallback: base?.latency) { try latency($0, at: $1, base: base?.latency) },
            modalities: try field(object, "modalities", at: "", fallback: base?.modalities) {
                try modalities($0, at: $1, base: base?.modalities)
            },
            generation: try field(object, "generation", at: "", fallback: base?.generation) {
                try generation($0, at: $1, base: base?.generation)
            },
            sinks: try field(object, "sinks", at: "", fallback: base?.sinks) { try sinks($0, at: $1) },
            midi: try field(object, "midi", at: "", fallback: base?.midi) { try midi($0, at: $1, base: base?.midi) },
            osc: try field(object, "osc", at: "", fallback: base?.osc) { try osc($0, at: $1, base: base?.osc) },
            reference: try field(object, "reference", at: "", fallback: base?.reference) { try reference($0, at: $1, base: base?.reference) },
            router: try field(object, "router", at: "", fallback: base?.router) {
                try choice($0, at: $1, options: ["on", "off"]) { ["on": true, "off": false][$0] }
            },
            routerSteps: try field(object, "router_steps", at: "", fallback: base?.routerSteps ?? RouterStep.defaultOrder) {
                try routerSteps($0, at: $1)
            },
            source: file)
    }

    /// A list of distinct router step names (`RouterStep` raw values), possibly empty.
    func routerSteps(_ value: Any, at path: String) throws -> [RouterStep] {
        let names = RouterStep.allCases.map(\.rawValue).joined(separator: ", ")
        guard let list = value as? [Any] else {
            throw fail(path, "must be a list of router steps, from \(names) (got \(Self.describe(value)))")
        }
        var strings: [String] = []
        for (index, item) in list.enumerated() {
            guard let name = item as? String else { throw fail("\(path)[\(index)]", "must be one of \(names) (got \(Self.describe(item)))") }
            strings.append(name)
        }
        do {
            return try RouterStep.order(named: strings)
        } catch RouterStep.ListProblem.unknown(let index, let name) {
            throw fail("\(path)[\(index)]", "must be one of \(names) (got \(Self.describe(name)))")
        } catch RouterStep.ListProblem.repeated(let index, let name) {
            throw fail("\(path)[\(index)]", "'\(name)' is listed twice")
        }
    }

    func latency(_ value: Any, at path: String, base: EnginePreset.Latency?) throws -> EnginePreset.Latency {
        let object = try self.object(value, at: path, known: ["target_first_audio_s", "max_lag_s", "min_lead_s"])
        let prefix = path + "."
        return EnginePreset.Latency(
            targetFirstAudio: try field(object, "target_first_audio_s", at: prefix, fallback: base?.targetFirstAudio) { try seconds($0, at: $1) },
            maxLag: try field(object, "max_lag_s", at: prefix, fallback: base?.maxLag) { try seconds($0, at: $1) },
            minLead: try field(object, "min_lead_s", at: prefix, fallback: base?.minLead) { try seconds($0, at: $1) })
    }

    func modalities(_ value: Any, at path: String, base: EnginePreset.Modalities?) throws -> EnginePreset.Modalities {
        let object = try self.object(value, at: path, known: EnginePreset.ModalityKind.allCases.map(\.rawValue))
        func read(_ kind: EnginePreset.ModalityKind) throws -> EnginePreset.Modality {
            try field(object, kind.rawValue, at: path + ".", fallback: base?[kind]) { try modality($0, at: $1, base: base?[kind]) }
        }
        return EnginePreset.Modalities(text: try read(.text), audio: try read(.audio), image: try read(.image), control: try read(.control))
    }

    func modality(_ value: Any, at path: String, base: EnginePreset.Modality?) throws -> EnginePreset.Modality {
        let object = try self.object(value, at: path, known: ["priority", "weight", "required"])
        let prefix = path + "."
        return EnginePreset.Modality(
            priority: try field(object, "priority", at: prefix, fallback: base?.priority) {
                try int($0, at: $1, in: -1_000_000...1_000_000, meaning: "-1000000…1000000 (higher wins)")
            },
            weight: try field(object, "weight", at: prefix, fallback: base?.weight) { try number($0, at: $1, minimum: 0) },
            required: try field(object, "required", at: prefix, fallback: base?.required) { try bool($0, at: $1) })
    }

    func generation(_ value: Any, at path: String, base: EnginePreset.Generation?) throws -> EnginePreset.Generation {
        let object = try self.object(value, at: path, known: ["fine_mode", "weights", "mode", "fine_codebooks", "fast_start", "kv_cache"])
        let prefix = path + "."
        let fineCodebooks = try object["fine_codebooks"].map {
            try int($0, at: prefix + "fine_codebooks", in: 2...8, meaning: "2…8 (codebooks the live fine stage predicts; Bark has 8)")
        } ?? base?.fineCodebooks
        return EnginePreset.Generation(
            fineMode: try field(object, "fine_mode", at: prefix, fallback: base?.fineMode) { try fineMode($0, at: $1) },
            weights: try field(object, "weights", at: prefix, fallback: base?.weights) {
                try choice($0, at: $1, options: WeightFormat.allCases.map(\.rawValue)) { WeightFormat(rawValue: $0) }
            },
            mode: try field(object, "mode", at: prefix, fallback: base?.mode) {
                try choice($0, at: $1, options: EnginePreset.GenerationMode.allCases.map(\.rawValue)) { EnginePreset.GenerationMode(rawValue: $0) }
            },
            fineCodebooks: fineCodebooks,
            fastStart: try field(object, "fast_start", at: prefix, fallback: base?.fastStart ?? false) { try bool($0, at: $1) },
            kvCache: try field(object, "kv_cache", at: prefix, fallback: base?.kvCache ?? .f32) {
                try choice($0, at: $1, options: KVCachePrecision.allCases.map(\.rawValue)) { KVCachePrecision(rawValue: $0) }
            })
    }

    /// `"low-latency"`, `"exact"` or `{"chunk": n, "lookahead": n, "context": n}` (all three given).
    func fineMode(_ value: Any, at path: String) throws -> FineStreamingMode {
        if let name = value as? String {
            switch name {
            case "low-latency": return .lowLatency
            case "exact": return .exact
            default: break
            }
        }
        guard value is [String: Any] else {
            throw fail(path, "must be \"low-latency\", \"exact\" or {\"chunk\": n, \"lookahead\": n, \"context\": n} (got \(Self.describe(value)))")
        }
        let object = try self.object(value, at: path, known: ["chunk", "lookahead", "context"])
        let prefix = path + "."
        let frames = "0…1024 (frames, 75 per second)"
        return .chunked(
            chunk: try field(object, "chunk", at: prefix, fallback: nil) { try int($0, at: $1, in: 1...1024, meaning: "1…1024 (frames, 75 per second)") },
            lookahead: try field(object, "lookahead", at: prefix, fallback: nil) { try int($0, at: $1, in: 0...1024, meaning: frames) },
            context: try field(object, "context", at: prefix, fallback: nil) { try int($0, at: $1, in: 0...1024, meaning: frames) })
    }

    /// Sink specs (see `PresetSinkSpec`); at most one `http:` and one `icecast:` (serve has one of each).
    func sinks(_ value: Any, at path: String) throws -> [String] {
        guard let array = value as? [Any] else {
            throw fail(path, "must be an array of sink specs (\(PresetSinkSpec.forms)) (got \(Self.describe(value)))")
        }
        var specs: [String] = []
        for (index, item) in array.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let spec = try string(item, at: itemPath)
            if let problem = PresetSinkSpec.problem(spec) { throw fail(itemPath, problem) }
            for single in ["http:", "icecast:"] where spec.hasPrefix(single) && specs.contains(where: { $0.hasPrefix(single) }) {
                throw fail(itemPath, "a second \(single) sink: give at most one")
            }
            specs.append(spec)
        }
        return specs
    }

    func midi(_ value: Any, at path: String, base: EnginePreset.MIDIMap?) throws -> EnginePreset.MIDIMap {
        let object = try self.object(value, at: path, known: ["notes", "cc", "channel"])
        let prefix = path + "."
        return EnginePreset.MIDIMap(
            notes: try field(object, "notes", at: prefix, fallback: base?.notes) { try notes($0, at: $1) },
            cc: try field(object, "cc", at: prefix, fallback: base?.cc) { try controllers($0, at: $1) },
            channel: try field(object, "channel", at: prefix, fallback: base?.channel) {
                try int($0, at: $1, in: 0...16, meaning: "0…16 (0 = every channel)")
            })
    }

    /// `{"36": 0, …}`: note number → SFX slot.
    func notes(_ value: Any, at path: String) throws -> [Int: Int] {
        guard let object = value as? [String: Any] else {
            throw fail(path, "must be an object of note number to SFX slot, e.g. {\"36\": 0} (got \(Self.describe(value)))")
        }
        var result: [Int: Int] = [:]
        for (number, key) in try midiNumbers(object, at: path, what: "a note number") {
            result[number] = try int(object[key] as Any, at: "\(path).\(key)", in: 0...Int(Int32.max), meaning: "≥ 0 (an SFX slot)")
        }
        return result
    }

    /// `{"1": "style", …}`: controller number → target.
    func controllers(_ value: Any, at path: String) throws -> [Int: EnginePreset.ControllerTarget] {
        guard let object = value as? [String: Any] else {
            throw fail(path, "must be an object of controller number to target, e.g. {\"1\": \"style\"} (got \(Self.describe(value)))")
        }
        var result: [Int: EnginePreset.ControllerTarget] = [:]
        for (number, key) in try midiNumbers(object, at: path, what: "a controller number") {
            result[number] = try choice(object[key] as Any, at: "\(path).\(key)", options: EnginePreset.ControllerTarget.all.map(\.name)) {
                EnginePreset.ControllerTarget(name: $0)
            }
        }
        return result
    }

    func osc(_ value: Any, at path: String, base: EnginePreset.OSC?) throws -> EnginePreset.OSC {
        let object = try self.object(value, at: path, known: ["port", "host"])
        let prefix = path + "."
        return EnginePreset.OSC(
            port: try field(object, "port", at: prefix, fallback: base?.port) {
                try int($0, at: $1, in: 0...65_535, meaning: "0…65535 (0 = no OSC)")
            },
            host: try field(object, "host", at: prefix, fallback: base?.host) { try host($0, at: $1) })
    }

    /// A host name or address: a non-empty string without spaces.
    func host(_ value: Any, at path: String) throws -> String {
        let host = try word(value, at: path, what: "a host name or address")
        if host.contains(where: \.isWhitespace) { throw fail(path, "must be a host name or address without spaces (got \"\(host)\")") }
        return host
    }

    func reference(_ value: Any, at path: String, base: EnginePreset.Reference?) throws -> EnginePreset.Reference {
        let object = try self.object(value, at: path, known: ["window_s", "refresh"])
        let prefix = path + "."
        return EnginePreset.Reference(
            window: try field(object, "window_s", at: prefix, fallback: base?.window) { try seconds($0, at: $1) },
            refresh: try field(object, "refresh", at: prefix, fallback: base?.refresh) {
                try choice($0, at: $1, options: EnginePreset.ReferenceRefresh.allCases.map(\.rawValue)) { EnginePreset.ReferenceRefresh(rawValue: $0) }
            })
    }
}
