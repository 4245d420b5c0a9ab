import Checkpoints
import Foundation
import Tensors

/// The three Bark transformers, loaded and shape-checked, their linear layers in one weight format
/// (f32 by default: the reference path).
///
/// Immutable and `Sendable`.
public struct BarkModels: Sendable {
    public let semantic: BarkCausalModel
    public let coarse: BarkCausalModel
    public let fine: BarkFineModel

    /// The format of every linear layer (embeddings and LayerNorms are always f32).
    public let weightFormat: WeightFormat

    /// The three stages, already loaded (`weightFormat` as they were built).
    public init(semantic: BarkCausalModel, coarse: BarkCausalModel, fine: BarkFineModel, weightFormat: WeightFormat = .f32) {
        self.semantic = semantic
        self.coarse = coarse
        self.fine = fine
        self.weightFormat = weightFormat
    }

    /// Loads every stage of `source` (which must hold all three), converting the linear layers to
    /// `weightFormat` as they load (no separate conversion step).
    public init(source: BarkModelSource, weightFormat: WeightFormat = .f32) throws {
        let semanticStage = try source.stage(.semantic)
        let coarseStage = try source.stage(.coarse)
        let fineStage = try source.stage(.fine)
        self.weightFormat = weightFormat
        semantic = try BarkCausalModel(configuration: semanticStage.configuration, tensors: semanticStage.tensors,
                                       weightFormat: weightFormat)
        coarse = try BarkCausalModel(configuration: coarseStage.configuration, tensors: coarseStage.tensors,
                                     weightFormat: weightFormat)
        fine = try BarkFineModel(configuration: fineStage.configuration, tensors: fineStage.tensors, weightFormat: weightFormat)
    }

    /// Opens `url` (see `BarkModelSource.open`) and loads all three stages.
    public init(contentsOf url: URL, variant: BarkModelSource.SunoVariant = .small, weightFormat: WeightFormat = .f32) throws {
        try self.init(source: try BarkModelSource.open(url, variant: variant), weightFormat: weightFormat)
    }
}
