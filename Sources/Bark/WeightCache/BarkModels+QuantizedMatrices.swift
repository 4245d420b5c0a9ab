import Checkpoints
import Tensors

extension BarkModels {
    /// Every quantized linear-layer matrix of the three stages by full checkpoint name
    /// (`coarse.layers.3.mlp.in_proj.weight`, `fine.lm_heads.0.weight`, …); empty for f32 models.
    /// What a weight cache stores.
    public var quantizedMatrices: [String: QuantizedMatrix] {
        var out: [String: QuantizedMatrix] = [:]
        func add(_ name: String, _ linear: Linear) {
            if case .quantized(let matrix) = linear.weights { out[name] = matrix }
        }
        func addBlocks(_ prefix: String, _ blocks: [TransformerBlock]) {
            for (i, block) in blocks.enumerated() {
                let p = prefix + "layers.\(i)."
                add(p + "attn.att_proj.weight", block.attentionProjection)
                add(p + "attn.out_proj.weight", block.outputProjection)
                add(p + "mlp.in_proj.weight", block.mlpIn)
                add(p + "mlp.out_proj.weight", block.mlpOut)
            }
        }
        addBlocks(BarkStage.semantic.checkpointPrefix, semantic.blocks)
        add(BarkStage.semantic.checkpointPrefix + "lm_head.weight", semantic.lmHead)
        addBlocks(BarkStage.coarse.checkpointPrefix, coarse.blocks)
        add(BarkStage.coarse.checkpointPrefix + "lm_head.weight", coarse.lmHead)
        addBlocks(BarkStage.fine.checkpointPrefix, fine.blocks)
        for (i, head) in fine.lmHeads.enumerated() { add(BarkStage.fine.checkpointPrefix + "lm_heads.\(i).weight", head) }
        return out
    }

    /// The `[out, in]` shape of every linear-layer weight of a model with these stage
    /// configurations, by full checkpoint name (the names `quantizedMatrices` uses).
    public static func linearWeightShapes(_ configurations: [BarkTransformerConfiguration]) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for configuration in configurations {
            for tensor in BarkTensorLayout.expectedTensors(configuration) where tensor.shape.count == 2 {
                let name = tensor.name
                let isLinear = name.hasSuffix(".weight") && (name.contains(".attn.") || name.contains(".mlp.") || name.hasPrefix("lm_head"))
                if isLinear { out[configuration.stage.checkpointPrefix + name] = tensor.shape }
            }
        }
        return out
    }
}
