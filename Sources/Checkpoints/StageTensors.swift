import Tensors

/// The tensors of one Bark stage, addressed by Hugging Face stage-local names
/// (`layers.0.attn.att_proj.weight`, `lm_head.weight`, …) whatever the file's layout.
///
/// Causal-mask buffers (`layers.N.attn.bias`, boolean, present in some files) are dropped here:
/// they hold no weights. Immutable and `Sendable`.
public struct StageTensors: Sendable {
    public let container: any TensorContainer
    public let stage: BarkStage
    /// Stage-local HF name → name as stored in the file.
    public let storedNames: [String: String]
    /// How a stage-local name is spelled in messages about a tensor the file lacks.
    let describeMissing: @Sendable (String) -> String

    /// An HF checkpoint: a whole `BarkModel` (names prefixed `semantic.` etc.), or a stand-alone
    /// stage model saved on its own (names without prefix) when no name in the file carries any
    /// `BarkModel` prefix.
    public init(huggingFace container: any TensorContainer, stage: BarkStage) {
        let prefix = stage.checkpointPrefix
        let names = container.tensorInfos.keys
        let modelPrefixes = BarkStage.allCases.map(\.checkpointPrefix) + ["codec_model."]
        let prefixed = names.contains { name in modelPrefixes.contains { name.hasPrefix($0) } }
        var map: [String: String] = [:]
        for name in names {
            let local: String
            if prefixed {
                guard name.hasPrefix(prefix) else { continue }
                local = String(name.dropFirst(prefix.count))
            } else {
                guard !BarkStage.allCases.contains(where: { name.hasPrefix($0.checkpointPrefix) }),
                      !name.hasPrefix("codec_model.") else { continue }
                local = name
            }
            if !SunoKeyMapping.isAttentionMaskBuffer(local) { map[local] = name }
        }
        self.init(container: container, stage: stage, storedNames: map,
                  describeMissing: { prefixed ? prefix + $0 : $0 })
    }

    /// Suno's original layout (`_orig_mod.transformer.h.N.attn.c_attn.weight`, …).
    public init(suno container: any TensorContainer, stage: BarkStage) {
        var map: [String: String] = [:]
        for name in container.tensorInfos.keys {
            if let local = SunoKeyMapping.huggingFaceName(forSunoName: name) { map[local] = name }
        }
        self.init(container: container, stage: stage, storedNames: map,
                  describeMissing: { "\($0) (Hugging Face name; the Suno file has no tensor that maps to it)" })
    }

    /// Any layout, given the stage-local → stored name map.
    public init(container: any TensorContainer, stage: BarkStage, storedNames: [String: String],
                describeMissing: @escaping @Sendable (String) -> String = { $0 }) {
        self.container = container
        self.stage = stage
        self.storedNames = storedNames
        self.describeMissing = describeMissing
    }

    /// The file the tensors come from, for messages.
    public var file: String { container.url.path }

    /// Whether the stage has tensor `local`.
    public func contains(_ local: String) -> Bool { storedNames[local] != nil }

    /// Dtype and shape of tensor `local`, if present.
    public func info(_ local: String) -> TensorInfo? {
        storedNames[local].flatMap { container.tensorInfos[$0] }
    }

    /// Reads tensor `local` as `Float`, checking its shape.
    /// Throws `missingTensor` / `shapeMismatch` naming the file and the stored tensor name.
    public func tensor(_ local: String, shape: [Int]) throws -> Tensor {
        guard let stored = storedNames[local], let info = container.tensorInfos[stored] else {
            throw CheckpointError.missingTensor(file: file, tensor: describeMissing(local))
        }
        guard info.shape == shape else {
            throw CheckpointError.shapeMismatch(file: file, tensor: stored, expected: shape, actual: info.shape)
        }
        return try container.floatTensor(stored)
    }

    /// Like `tensor(_:shape:)` but nil when absent (shape still checked when present).
    public func optionalTensor(_ local: String, shape: [Int]) throws -> Tensor? {
        contains(local) ? try tensor(local, shape: shape) : nil
    }
}
