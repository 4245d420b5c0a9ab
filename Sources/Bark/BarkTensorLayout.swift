import Checkpoints

/// The tensors a Bark stage reads, with their shapes, by HF stage-local name. Used to inspect a
/// checkpoint without reading tensor data; the model loaders check the same shapes as they load.
public struct ExpectedTensor: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    /// Optional tensors may be absent (the fine stage's tied `lm_heads`).
    public let isOptional: Bool
}

public enum BarkTensorLayout {
    /// Every tensor stage `configuration.stage` reads.
    public static func expectedTensors(_ configuration: BarkTransformerConfiguration) -> [ExpectedTensor] {
        let c = configuration, h = c.hiddenSize
        var list: [ExpectedTensor] = []
        func add(_ name: String, _ shape: [Int], optional: Bool = false) {
            list.append(ExpectedTensor(name: name, shape: shape, isOptional: optional))
        }
        let layerNormBias = c.stage.isCausal ? c.bias : true
        if c.stage.isCausal {
            add("input_embeds_layer.weight", [c.inputVocabularySize, h])
        } else {
            for k in 0..<c.codebooksTotal { add("input_embeds_layers.\(k).weight", [c.inputVocabularySize, h]) }
        }
        add("position_embeds_layer.weight", [c.blockSize, h])
        for i in 0..<c.layers {
            let p = "layers.\(i)."
            for norm in ["layernorm_1", "layernorm_2"] {
                add(p + norm + ".weight", [h])
                if layerNormBias { add(p + norm + ".bias", [h]) }
            }
            for (linear, out, inFeatures) in [("attn.att_proj", 3 * h, h), ("attn.out_proj", h, h),
                                              ("mlp.in_proj", 4 * h, h), ("mlp.out_proj", h, 4 * h)] {
                add(p + linear + ".weight", [out, inFeatures])
                if c.bias { add(p + linear + ".bias", [out]) }
            }
        }
        add("layernorm_final.weight", [h])
        if layerNormBias { add("layernorm_final.bias", [h]) }
        if c.stage.isCausal {
            add("lm_head.weight", [c.outputVocabularySize, h])
        } else {
            for i in 0..<c.outputHeads {
                add("lm_heads.\(i).weight", [c.outputVocabularySize, h], optional: c.tiesOutputEmbeddings)
            }
        }
        return list
    }
}
