/// HF stage-local tensor names of one `BarkBlock`, shared by the model loaders and inspection.
enum TransformerBlockNames {
    static func names(layer: Int, linearBias: Bool, layerNormBias: Bool) -> [String] {
        let p = "layers.\(layer)."
        var names: [String] = []
        for norm in ["layernorm_1", "layernorm_2"] {
            names.append(p + norm + ".weight")
            if layerNormBias { names.append(p + norm + ".bias") }
        }
        for linear in ["attn.att_proj", "attn.out_proj", "mlp.in_proj", "mlp.out_proj"] {
            names.append(p + linear + ".weight")
            if linearBias { names.append(p + linear + ".bias") }
        }
        return names
    }
}
