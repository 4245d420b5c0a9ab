/// Keys and values of every layer of a causal transformer for the positions seen so far,
/// preallocated to the model's block size so that appending during decoding never allocates.
///
/// Layout, head-major within a layer so that a decoding step reads each head's keys as one
/// contiguous run: with `heads` heads of `d = hidden / heads` elements (the count the model passes
/// to `Attention.cachedSelfAttention`), head `h` of position `p` in layer `l` starts at
/// `l · capacity · hidden + (h · capacity + p) · d` in `keys` (f32) or `halfKeys` (f16, see
/// `KVCachePrecision`); the same in the value arrays. Only the arrays of the cache's precision
/// are allocated; an f16 cache also keeps one layer's keys and values in f32 (`staging`) for
/// passes of several rows (prefill), which attend with BLAS.
///
/// Thread safety: a value type; each generation owns its own cache.
public struct KVCache: Sendable {
    public let layers: Int
    /// Maximum number of positions (the model's `block_size`).
    public let capacity: Int
    /// Width of one key or value row (`num_heads · head_dim`).
    public let hidden: Int
    public let precision: KVCachePrecision
    /// Number of positions stored (same for every layer once a forward pass completes).
    public internal(set) var count: Int = 0

    @usableFromInline var keys: [Float]
    @usableFromInline var values: [Float]
    @usableFromInline var halfKeys: [UInt16]
    @usableFromInline var halfValues: [UInt16]
    /// f16 only: one layer's keys then values widened to f32 (`2 · capacity · hidden`).
    @usableFromInline var staging: [Float]

    /// Allocates `layers · capacity · hidden` elements for keys and the same for values, in
    /// `precision`.
    public init(layers: Int, capacity: Int, hidden: Int, precision: KVCachePrecision = .f32) {
        precondition(layers > 0 && capacity > 0 && hidden > 0, "KVCache dimensions must be positive")
        self.layers = layers
        self.capacity = capacity
        self.hidden = hidden
        self.precision = precision
        let elements = layers * capacity * hidden
        keys = precision == .f32 ? [Float](repeating: 0, count: elements) : []
        values = keys
        halfKeys = precision == .f16 ? [UInt16](repeating: 0, count: elements) : []
        halfValues = halfKeys
        staging = precision == .f16 ? [Float](repeating: 0, count: 2 * capacity * hidden) : []
    }

    /// Forgets every stored position (keeps the memory).
    public mutating func reset() { count = 0 }

    /// Positions still free.
    public var remaining: Int { capacity - count }
}
