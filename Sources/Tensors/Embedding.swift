/// A lookup table `[vocabularySize, dimension]`, as PyTorch's `nn.Embedding`.
///
/// Immutable and `Sendable`.
public struct Embedding: Sendable {
    public let table: Tensor

    public init(table: Tensor) {
        precondition(table.rank == 2, "Embedding table must be rank 2, got \(table.shape)")
        self.table = table
    }

    public var vocabularySize: Int { table.shape[0] }
    public var dimension: Int { table.shape[1] }

    /// Writes (or, with `accumulate`, adds) row `ids[i]` of the table into row `i` of `output`.
    /// Allocates nothing. - Precondition: every id is in `0..<vocabularySize` (callers validate
    /// untrusted ids first and throw a typed error).
    public func lookup(_ ids: [Int], into output: inout [Float], accumulate: Bool = false) {
        let width = dimension
        precondition(output.count >= ids.count * width, "Embedding output too small")
        table.scalars.withUnsafeBufferPointer { t in
            output.withUnsafeMutableBufferPointer { o in
                for (row, id) in ids.enumerated() {
                    precondition(id >= 0 && id < vocabularySize, "embedding id \(id) outside 0..<\(vocabularySize)")
                    let src = id * width, dst = row * width
                    if accumulate {
                        for c in 0..<width { o[dst + c] += t[src + c] }
                    } else {
                        for c in 0..<width { o[dst + c] = t[src + c] }
                    }
                }
            }
        }
    }
}
