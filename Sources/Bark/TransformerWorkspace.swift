import Tensors

/// Scratch buffers for running a Bark transformer on a number of rows (positions) at once.
///
/// Buffers only grow: after the first call of a given size (e.g. the prefill), later calls of that
/// size or smaller (e.g. one-token decoding steps) allocate nothing.
///
/// Thread safety: a value type; each generation uses its own workspace.
public struct TransformerWorkspace: Sendable {
    var hidden: [Float] = []     // [rows, H] residual stream
    var normed: [Float] = []     // [rows, H]
    var qkv: [Float] = []        // [rows, 3H]
    var attention: [Float] = []  // [rows, H]
    var mlp: [Float] = []        // [rows, 4H]
    var scores: [Float] = []     // [rows, keys] for one head at a time, or [heads, keys] for one row
    /// Logits of the last forward call: `[rows, vocabulary]`, row-major; only the first
    /// `logitRows · vocabulary` elements are meaningful.
    public internal(set) var logits: [Float] = []
    /// Rows of `logits` written by the last forward call.
    public internal(set) var logitRows = 0
    /// Vocabulary size (width) of `logits`.
    public internal(set) var logitWidth = 0

    public init() {}

    /// Grows the buffers to hold `rows` rows attending over `keys` keys with `heads` heads and
    /// hidden size `hidden`, and `logitRows × vocabulary` logits.
    mutating func reserve(rows: Int, keys: Int, heads: Int, hidden: Int, logitRows: Int, vocabulary: Int) {
        Self.grow(&self.hidden, to: rows * hidden)
        Self.grow(&normed, to: rows * hidden)
        Self.grow(&qkv, to: rows * 3 * hidden)
        Self.grow(&attention, to: rows * hidden)
        Self.grow(&mlp, to: rows * 4 * hidden)
        Self.grow(&scores, to: Attention.scratchCount(rows: rows, keys: keys, heads: heads))
        Self.grow(&logits, to: logitRows * vocabulary)
    }

    private static func grow(_ buffer: inout [Float], to count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }

    /// The final-LayerNorm output `[hidden]` of row `row` of the last forward call (the rows its logits
    /// came from: with `lastPositionOnly`, row 0 is the last position). What a conditioning's rate clock
    /// reads from the infer token (`LayerConditioning.rateClockStride`).
    public func finalState(row: Int, hiddenSize: Int) -> ArraySlice<Float> {
        precondition(row >= 0 && row < logitRows, "final state row \(row) outside 0..<\(logitRows)")
        return normed[(row * hiddenSize)..<((row + 1) * hiddenSize)]
    }

    /// Row `row` of the last logits, copied out (allocates; for callers off the hot path).
    public func logitsRow(_ row: Int) -> [Float] {
        precondition(row >= 0 && row < logitRows, "logits row \(row) outside 0..<\(logitRows)")
        return Array(logits[(row * logitWidth)..<((row + 1) * logitWidth)])
    }
}
