import Checkpoints
import Foundation

/// Where a Bark model's weights and configuration come from, resolved from a path as users
/// download models:
/// - a Hugging Face `BarkModel` directory (`config.json` + `model.safetensors` or
///   `pytorch_model.bin`; safetensors preferred when both exist), as `suno/bark-small` / `suno/bark`;
/// - a directory holding Suno's original `text.pt`, `coarse.pt`, `fine.pt` (or the large model's
///   `text_2.pt`, `coarse_2.pt`, `fine_2.pt` with `variant: .large`);
/// - a single Suno `.pt` file (one stage; which one is read from its name or `model_args`);
/// - a single `model.safetensors` / `pytorch_model.bin` with `config.json` beside it.
///
/// Opening reads headers and indexes only; tensor data is read when a model is built.
public struct BarkModelSource: Sendable {
    /// The layout a model was found in.
    public enum Layout: String, Sendable {
        case huggingFace = "Hugging Face BarkModel"
        case suno = "Suno original checkpoints"
    }

    /// Which of Suno's checkpoint sets to read from a directory that holds both.
    public enum SunoVariant: String, Sendable {
        case small = ""
        case large = "_2"
    }

    /// One stage's configuration and tensors.
    public struct Stage: Sendable {
        public let configuration: BarkTransformerConfiguration
        public let tensors: StageTensors
    }

    public let url: URL
    public let layout: Layout
    /// The stages available (all three for a directory, one for a single Suno file).
    public let stages: [BarkStage: Stage]
    /// The HF `config.json` contents (nil for Suno files).
    public let configuration: BarkConfiguration?
    /// Every container opened, for inspection of unexpected tensors.
    public let containers: [any TensorContainer]

    /// Resolves `url` (a directory or a single checkpoint file).
    public static func open(_ url: URL, variant: SunoVariant = .small) throws -> BarkModelSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.unreadable(file: url.path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue {
            // model.safetensors / pytorch_model.bin given directly: read it with its config.json.
            let siblingConfig = url.deletingLastPathComponent().appendingPathComponent("config.json")
            if FileManager.default.fileExists(atPath: siblingConfig.path),
               ["safetensors", "bin"].contains(url.pathExtension) {
                return try openHuggingFace(directory: url.deletingLastPathComponent(), configURL: siblingConfig, weights: url)
            }
            return try openSunoFile(url)
        }
        let config = url.appendingPathComponent("config.json")
        if FileManager.default.fileExists(atPath: config.path) {
            return try openHuggingFace(directory: url, configURL: config)
        }
        let sunoFiles = BarkStage.allCases.map { url.appendingPathComponent(sunoFileName($0, variant)) }
        if sunoFiles.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) {
            var stages: [BarkStage: Stage] = [:]
            var containers: [any TensorContainer] = []
            for (stage, file) in zip(BarkStage.allCases, sunoFiles) {
                let container = try openCheckpoint(at: file)
                stages[stage] = try sunoStage(stage, container: container)
                containers.append(container)
            }
            return BarkModelSource(url: url, layout: .suno, stages: stages, configuration: nil, containers: containers)
        }
        throw CheckpointError.unreadable(
            file: url.path,
            reason: "not a Bark model directory: expected config.json with model.safetensors or pytorch_model.bin "
                + "(Hugging Face layout), or \(sunoFiles.map(\.lastPathComponent).joined(separator: ", ")) (Suno layout)")
    }

    /// The stage, or a clear error when this source lacks it.
    public func stage(_ stage: BarkStage) throws -> Stage {
        guard let found = stages[stage] else {
            throw CheckpointError.missingTensor(file: url.path, tensor: "\(stage) stage (this source holds \(stages.keys.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        return found
    }

    /// Suno's file name for a stage: `text.pt`, `coarse_2.pt`, …
    public static func sunoFileName(_ stage: BarkStage, _ variant: SunoVariant) -> String {
        let base: String
        switch stage {
        case .semantic: base = "text"
        case .coarse: base = "coarse"
        case .fine: base = "fine"
        }
        return base + variant.rawValue + ".pt"
    }

    private static func openHuggingFace(directory: URL, configURL: URL, weights chosen: URL? = nil) throws -> BarkModelSource {
        let configuration = try BarkConfiguration.load(from: configURL)
        let candidates = ["model.safetensors", "pytorch_model.bin"].map { directory.appendingPathComponent($0) }
        guard let weights = chosen ?? candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw CheckpointError.unreadable(file: directory.path,
                                             reason: "no model.safetensors or pytorch_model.bin beside config.json")
        }
        let container = try openCheckpoint(at: weights)
        var stages: [BarkStage: Stage] = [:]
        for stage in BarkStage.allCases {
            stages[stage] = Stage(configuration: configuration[stage], tensors: StageTensors(huggingFace: container, stage: stage))
        }
        return BarkModelSource(url: directory, layout: .huggingFace, stages: stages,
                               configuration: configuration, containers: [container])
    }

    private static func openSunoFile(_ url: URL) throws -> BarkModelSource {
        let container = try openCheckpoint(at: url)
        guard case .dictionary? = container.attributes["model_args"] else {
            throw CheckpointError.invalidConfiguration(
                file: url.path, field: "model_args",
                reason: "missing: a single checkpoint file must be a Suno .pt; for a Hugging Face model pass its directory (with config.json)")
        }
        let stage = try sunoStageKind(url: url, container: container)
        return BarkModelSource(url: url, layout: .suno, stages: [stage: try sunoStage(stage, container: container)],
                               configuration: nil, containers: [container])
    }

    private static func sunoStage(_ stage: BarkStage, container: any TensorContainer) throws -> Stage {
        guard case let .dictionary(arguments)? = container.attributes["model_args"] else {
            throw CheckpointError.invalidConfiguration(file: container.url.path, field: "model_args", reason: "missing or not a dictionary")
        }
        let configuration = try BarkConfiguration.suno(arguments, stage: stage, file: container.url.path)
        return Stage(configuration: configuration, tensors: StageTensors(suno: container, stage: stage))
    }

    /// Stage of a lone Suno file: from its name (`text*`, `coarse*`, `fine*`), else fine if its
    /// `model_args` has `n_codes_total`, else an error asking for a conventional name.
    private static func sunoStageKind(url: URL, container: any TensorContainer) throws -> BarkStage {
        let name = url.lastPathComponent.lowercased()
        if name.hasPrefix("text") || name.hasPrefix("semantic") { return .semantic }
        if name.hasPrefix("coarse") { return .coarse }
        if name.hasPrefix("fine") { return .fine }
        if case let .dictionary(arguments)? = container.attributes["model_args"], arguments["n_codes_total"] != nil { return .fine }
        throw CheckpointError.invalidConfiguration(
            file: url.path, field: "(file name)",
            reason: "cannot tell whether this is the text (semantic) or coarse model: name it text.pt or coarse.pt")
    }
}
