import Checkpoints
import Foundation

/// The three float32 Bark transformers, loaded and shape-checked.
///
/// Immutable and `Sendable`.
public struct BarkModels: Sendable {
    public let semantic: BarkCausalModel
    public let coarse: BarkCausalModel
    public let fine: BarkFineModel

    /// The three stages, already loaded.
    public init(semantic: BarkCausalModel, coarse: BarkCausalModel, fine: BarkFineModel) {
        self.semantic = semantic
        self.coarse = coarse
        self.fine = fine
    }

    /// Loads every stage of `source` (which must hold all three).
    public init(source: BarkModelSource) throws {
        let semanticStage = try source.stage(.semantic)
        let coarseStage = try source.stage(.coarse)
        let fineStage = try source.stage(.fine)
        semantic = try BarkCausalModel(configuration: semanticStage.configuration, tensors: semanticStage.tensors)
        coarse = try BarkCausalModel(configuration: coarseStage.configuration, tensors: coarseStage.tensors)
        fine = try BarkFineModel(configuration: fineStage.configuration, tensors: fineStage.tensors)
    }

    /// Opens `url` (see `BarkModelSource.open`) and loads all three stages.
    public init(contentsOf url: URL, variant: BarkModelSource.SunoVariant = .small) throws {
        try self.init(source: try BarkModelSource.open(url, variant: variant))
    }
}
