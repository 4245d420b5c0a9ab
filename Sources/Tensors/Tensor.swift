/// A dense, row-major (C-order) tensor of `Float` values.
///
/// Storage is a Swift array, so copies are copy-on-write and a `Tensor` is a value type that can be
/// shared across threads (`Sendable`). Element `[i0, i1, …, in]` lives at
/// `((i0 * shape[1] + i1) * shape[2] + …) + in`. A tensor of rank 0 holds one scalar.
public struct Tensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first. Every extent is ≥ 0.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// Wraps `scalars` with `shape`. Precondition: the counts agree (a programming error otherwise;
    /// loaders validate untrusted sizes before they get here).
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of `shape` filled with `value` (zero by default).
    public init(zeros shape: [Int], value: Float = 0) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { scalars.count }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Row `index` of a rank-2 tensor, as a rank-1 tensor (copies the row).
    public func row(_ index: Int) -> Tensor {
        precondition(rank == 2 && index >= 0 && index < shape[0], "row \(index) out of range for \(shape)")
        let width = shape[1]
        return Tensor(shape: [width], scalars: Array(scalars[(index * width)..<((index + 1) * width)]))
    }
}
