import Tensors

/// The residual vector quantizer (port of `EncodecResidualVectorQuantizer` and its
/// `EncodecEuclideanCodebook`s). Codebook `q` is `quantizer.layers.<q>.codebook.embed`,
/// `[codebookSize, dimension]`. Immutable and Sendable.
struct ResidualVectorQuantizer: Sendable {
    /// One `[codebookSize, dimension]` table per quantizer.
    let codebooks: [Tensor]
    /// `‖e‖²` of every code of every codebook.
    let squaredNorms: [[Float]]

    init(codebooks: [Tensor]) {
        self.codebooks = codebooks
        squaredNorms = codebooks.map { book in
            let dimension = book.shape[1]
            return (0..<book.shape[0]).map { code in
                var sum: Float = 0
                for i in 0..<dimension { sum += book.scalars[code * dimension + i] * book.scalars[code * dimension + i] }
                return sum
            }
        }
    }

    var dimension: Int { codebooks[0].shape[1] }

    /// Sum over codebooks of the looked-up vectors: `codes[q][t]` → `[frames, dimension]`.
    /// Codes must already be validated.
    func decode(_ codes: [[Int]]) -> Tensor {
        let frames = codes[0].count, dimension = dimension
        var out = [Float](repeating: 0, count: frames * dimension)
        for (q, row) in codes.enumerated() {
            let table = codebooks[q].scalars
            for (t, code) in row.enumerated() {
                for i in 0..<dimension { out[t * dimension + i] += table[code * dimension + i] }
            }
        }
        return Tensor(shape: [frames, dimension], scalars: out)
    }

    /// Greedy residual quantisation of `embeddings[frames, dimension]` with the first `count`
    /// codebooks; each step picks the code minimising `‖x‖² − 2·x·e + ‖e‖²` (first index on ties).
    func encode(_ embeddings: Tensor, count: Int) -> [[Int]] {
        let frames = embeddings.shape[0], dimension = dimension
        var residual = embeddings.scalars
        var result: [[Int]] = []
        for q in 0..<count {
            let book = codebooks[q], size = book.shape[0]
            var dots = [Float](repeating: 0, count: frames * size)
            MatrixMultiply.multiplyTransposed(residual, book.scalars, into: &dots, m: frames, n: size, k: dimension)
            var indices = [Int](repeating: 0, count: frames)
            for t in 0..<frames {
                var xNorm: Float = 0
                for i in 0..<dimension { xNorm += residual[t * dimension + i] * residual[t * dimension + i] }
                var best = 0, bestDistance = Float.infinity
                for code in 0..<size {
                    let distance = xNorm - 2 * dots[t * size + code] + squaredNorms[q][code]
                    if distance < bestDistance { bestDistance = distance; best = code }
                }
                indices[t] = best
                for i in 0..<dimension { residual[t * dimension + i] -= book.scalars[best * dimension + i] }
            }
            result.append(indices)
        }
        return result
    }
}
