import Foundation
import Tensors

/// The gated feed-forward block of a format-5 fusion layer (Flamingo's gated dense block), run right
/// after the layer's cross-attention: `x ← x + tanh(gate) · W₂ · GELU(W₁ · LN(x) + b₁) + b₂` on every row,
/// with `W₁ [4H, H]`, `W₂ [H, 4H]`. Cross-attention alone can only add, per position, a mix of a few memory
/// values; this block lets the conditioned state change the rest of the computation position by position
/// (what a rate change needs: when to move on *and* to which unit). It runs only where its layer runs
/// (a memory is present), so plain generation is unchanged.
public struct GatedFeedForward: Sendable {
    public let norm: LayerNorm
    /// `first`: H → 4H, `second`: 4H → H (GELU between).
    public let head: ProjectionHead
    /// The raw gate; the block adds `tanh(gate) ·` its output (0 at initialisation: a no-op).
    public let gate: Float

    public init(norm: LayerNorm, head: ProjectionHead, gate: Float) {
        precondition(head.first.inFeatures == norm.features && head.second.outFeatures == norm.features,
                     "feed-forward widths \(head.first.inFeatures) → \(head.second.outFeatures) for hidden size \(norm.features)")
        self.norm = norm
        self.head = head
        self.gate = gate
    }

    /// The inner width (4H as trained).
    public var innerWidth: Int { head.first.outFeatures }

    /// Applies the block to `rows` rows of `hidden` `[rows, H]` in place. Allocates nothing once `scratch`
    /// has grown to this size.
    public func apply(hidden: inout [Float], rows: Int, scratch: inout FusionScratch) {
        let h = norm.features
        guard rows > 0 else { return }
        scratch.reserve(rows: rows, hidden: h, memoryRows: 0, innerWidth: innerWidth)
        norm.apply(hidden, rows: rows, into: &scratch.normed)
        head.first.apply(scratch.normed, rows: rows, into: &scratch.inner)
        Elementwise.geluInPlace(&scratch.inner, count: rows * innerWidth)
        head.second.apply(scratch.inner, rows: rows, into: &scratch.projected)
        Elementwise.add(scratch.projected, scaledBy: tanhf(gate), to: &hidden, count: rows * h)
    }
}
