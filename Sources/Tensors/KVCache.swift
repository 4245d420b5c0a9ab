/// Keys and values of every layer of a causal transformer for the positions seen so far,
/// preallocated to the model's block size so that appending during decoding never allocates.
///
/// Layout, head-major within a layer so that a decoding step reads each head's keys as one
/// contiguous run: with `heads` heads of `d = hidden / heads` floats (the count the model passes to
/// `Attention.cachedSelfAttention`), head `h` of position `p` in layer `l` starts at
/// `l · capacity · hidden + (h · capacity + p) · d` in `keys`; the same in `values`.
///
/// Thread safety: a value type; each generation owns its own cache.
public struct KVCache: Sendable {
    public let layers: Int
    /// Maximum number of positions (the model's `block_size`).
    public let capacity: Int
    /// Width of one key or value row (`num_heads · head_dim`).
    public let hidden: Int
    /// Number of positions stored (same for every layer once a forward pass completes).
    public internal(set) var count: Int = 0

    @usableFromInline var keys: [Float]
    @usableFromInline var values: [Float]

    /// Allocates `layers · capacity · hidden` floats for keys and the same for values.
    public init(layers: Int, capacity: Int, hidden: Int) {
        precondition(layers > 0 && capacity > 0 && hidden > 0, "KVCache dimensions must be positive")
        self.layers = layers
        self.capacity = capacity
        self.hidden = hidden
        keys = [Float](repeating: 0, count: layers * capacity * hidden)
        values = keys
    }

    /// Forgets every stored position (keeps the memory).
    public mutating func reset() { count = 0 }

    /// Positions still free.
    public var remaining: Int { capacity - count }
}
