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
    /// `weightFormat` as they load (no separate conversion step). `prequantized` matrices (a weight
    /// cache in `weightFormat`) are taken as they are instead of quantizing the checkpoint's.
    public init(source: BarkModelSource, weightFormat: WeightFormat = .f32, prequantized: PrequantizedWeights? = nil) throws {
        let semanticStage = try source.stage(.semantic)
        let coarseStage = try source.stage(.coarse)
        let fineStage = try source.stage(.fine)
        self.weightFormat = weightFormat
        semantic = try BarkCausalModel(configuration: semanticStage.configuration, tensors: semanticStage.tensors,
                                       weightFormat: weightFormat, prequantized: prequantized)
        coarse = try BarkCausalModel(configuration: coarseStage.configuration, tensors: coarseStage.tensors,
                                     weightFormat: weightFormat, prequantized: prequantized)
        fine = try BarkFineModel(configuration: fineStage.configuration, tensors: fineStage.tensors, weightFormat: weightFormat,
                                 prequantized: prequantized)
    }

    /// Opens `url` (see `BarkModelSource.open`) and loads all three stages.
    public init(contentsOf url: URL, variant: BarkModelSource.SunoVariant = .small, weightFormat: WeightFormat = .f32) throws {
        try self.init(source: try BarkModelSource.open(url, variant: variant), weightFormat: weightFormat)
    }

    /// The same stages with the semantic and coarse GPTs' KV caches in `precision`.
    public func withCachePrecision(_ precision: KVCachePrecision) -> BarkModels {
        var semantic = self.semantic, coarse = self.coarse
        semantic.cachePrecision = precision
        coarse.cachePrecision = precision
        return BarkModels(semantic: semantic, coarse: coarse, fine: fine, weightFormat: weightFormat)
    }
}
