/// Maps tensor names of Suno's original Bark checkpoints (`text.pt`, `coarse.pt`, `fine.pt`) to the
/// Hugging Face names within one stage, so both layouts load into one model type.
///
/// Suno names look like `_orig_mod.transformer.h.3.attn.c_attn.weight`; the HF name of the same
/// tensor (without the stage prefix) is `layers.3.attn.att_proj.weight`. The mapping works on whole
/// dot-separated components, following transformers' `convert_suno_to_hf.py`.
public enum SunoKeyMapping {
    private static let componentMap: [String: String] = [
        "h": "layers",
        "c_attn": "att_proj",
        "c_proj": "out_proj",
        "c_fc": "in_proj",
        "ln_1": "layernorm_1",
        "ln_2": "layernorm_2",
        "ln_f": "layernorm_final",
        "wte": "input_embeds_layer",
        "wtes": "input_embeds_layers",
        "wpe": "position_embeds_layer",
    ]

    /// The HF stage-local name for a Suno tensor name, or nil for tensors that carry no weights
    /// (the boolean causal-mask buffers `…attn.bias` / `…attn.masked_bias`).
    public static func huggingFaceName(forSunoName name: String) -> String? {
        var components = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if components.first == "_orig_mod" { components.removeFirst() }
        if components.first == "transformer" { components.removeFirst() }
        let mapped = components.map { componentMap[$0] ?? $0 }
        if mapped.count >= 2, mapped[mapped.count - 2] == "attn",
           mapped.last == "bias" || mapped.last == "masked_bias" {
            return nil
        }
        return mapped.joined(separator: ".")
    }

    /// True when `name` is a causal-mask buffer (`attn.bias` without a weight sibling role) that
    /// loaders skip: in both layouts `layers.N.attn.bias` is a mask, never a learned bias.
    public static func isAttentionMaskBuffer(_ huggingFaceName: String) -> Bool {
        let parts = huggingFaceName.split(separator: ".")
        return parts.count >= 2 && parts[parts.count - 2] == "attn" && (parts.last == "bias" || parts.last == "masked_bias")
    }
}
