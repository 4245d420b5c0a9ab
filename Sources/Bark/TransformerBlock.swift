import Checkpoints
import Tensors

/// One pre-norm GPT block of Bark (`BarkBlock` in transformers, `Block` in Suno's `model.py`):
/// `h += out_proj(attn(LN1 h)); h += mlp.out_proj(GELU(mlp.in_proj(LN2 h)))`.
///
/// Immutable and `Sendable`; per-call state lives in `TransformerWorkspace` and `KVCache`.
struct TransformerBlock: Sendable {
    let layerNorm1: LayerNorm
    let attentionProjection: Linear  // [3H, H], q|k|v
    let outputProjection: Linear     // [H, H]
    let layerNorm2: LayerNorm
    let mlpIn: Linear                // [4H, H]
    let mlpOut: Linear               // [H, 4H]
    let heads: Int

    /// Loads block `index`. `layerNormBias`: causal stages follow `bias`, the fine stage always has
    /// LayerNorm biases. `weightFormat` applies to the four linear layers (LayerNorms stay f32);
    /// `prequantized` matrices, when listed, are taken instead of quantizing the checkpoint's.
    init(tensors: StageTensors, index: Int, configuration: BarkTransformerConfiguration, layerNormBias: Bool,
         weightFormat: WeightFormat = .f32, prequantized: PrequantizedWeights? = nil) throws {
        let h = configuration.hiddenSize
        let p = "layers.\(index)."
        func norm(_ name: String) throws -> LayerNorm {
            LayerNorm(weight: try tensors.tensor(p + name + ".weight", shape: [h]),
                      bias: layerNormBias ? try tensors.tensor(p + name + ".bias", shape: [h]) : nil)
        }
        func linear(_ name: String, out: Int, in inFeatures: Int) throws -> Linear {
            try PrequantizedWeights.linear(prequantized, tensors: tensors, local: p + name + ".weight", shape: [out, inFeatures],
                                           bias: configuration.bias ? try tensors.tensor(p + name + ".bias", shape: [out]) : nil,
                                           weightFormat: weightFormat)
        }
        layerNorm1 = try norm("layernorm_1")
        attentionProjection = try linear("attn.att_proj", out: 3 * h, in: h)
        outputProjection = try linear("attn.out_proj", out: h, in: h)
        layerNorm2 = try norm("layernorm_2")
        mlpIn = try linear("mlp.in_proj", out: 4 * h, in: h)
        mlpOut = try linear("mlp.out_proj", out: h, in: 4 * h)
        heads = configuration.heads
    }

    /// Runs the block on `rows` rows of `workspace.hidden` in place, attending causally over the
    /// positions already in `cache` plus these rows, which are appended to layer `layer` of the cache.
    func apply(rows: Int, workspace w: inout TransformerWorkspace, cache: inout KVCache, layer: Int) {
        projectQueriesKeysValues(rows: rows, workspace: &w)
        Attention.cachedSelfAttention(qkv: w.qkv, rows: rows, heads: heads, cache: &cache, layer: layer,
                                      scratch: &w.scores, output: &w.attention)
        finish(rows: rows, workspace: &w)
    }

    /// Runs the block on `rows` rows of `workspace.hidden` in place, attending over these rows only.
    func apply(rows: Int, workspace w: inout TransformerWorkspace, causal: Bool) {
        projectQueriesKeysValues(rows: rows, workspace: &w)
        Attention.selfAttention(qkv: w.qkv, rows: rows, hidden: layerNorm1.features, heads: heads, causal: causal,
                                scratch: &w.scores, output: &w.attention)
        finish(rows: rows, workspace: &w)
    }

    private func projectQueriesKeysValues(rows: Int, workspace w: inout TransformerWorkspace) {
        layerNorm1.apply(w.hidden, rows: rows, into: &w.normed)
        attentionProjection.apply(w.normed, rows: rows, into: &w.qkv)
    }

    /// Output projection + residual, then the MLP + residual.
    private func finish(rows: Int, workspace w: inout TransformerWorkspace) {
        outputProjection.apply(w.attention, rows: rows, into: &w.hidden, accumulate: true)
        layerNorm2.apply(w.hidden, rows: rows, into: &w.normed)
        mlpIn.apply(w.normed, rows: rows, into: &w.mlp)
        Elementwise.geluInPlace(&w.mlp, count: rows * mlpIn.outFeatures)
        mlpOut.apply(w.mlp, rows: rows, into: &w.hidden, accumulate: true)
    }
}
