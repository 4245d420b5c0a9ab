import Tensors

/// Helpers on time-major signals `[time, channels]` used by the EnCodec layers.
extension Tensor {
    /// Samples `range` of a `[time, channels]` signal (copies).
    func timeSlice(_ range: Range<Int>) -> Tensor {
        let channels = shape[1]
        return Tensor(shape: [range.count, channels],
                      scalars: Array(scalars[(range.lowerBound * channels)..<(range.upperBound * channels)]))
    }

    /// Number of samples of a `[time, channels]` signal.
    var timeLength: Int { shape[0] }

    /// `self` followed by `other` along time (channel counts must agree).
    func appendingTime(_ other: Tensor) -> Tensor {
        precondition(other.shape[1] == shape[1], "appending \(other.shape) to \(shape)")
        if other.shape[0] == 0 { return self }
        if shape[0] == 0 { return other }
        return Tensor(shape: [shape[0] + other.shape[0], shape[1]], scalars: scalars + other.scalars)
    }

    /// Elementwise sum of two signals of equal shape.
    func adding(_ other: Tensor) -> Tensor {
        precondition(shape == other.shape, "adding \(other.shape) to \(shape)")
        var out = scalars
        Elementwise.add(other.scalars, to: &out, count: out.count)
        return Tensor(shape: shape, scalars: out)
    }

    /// An empty signal of `channels` channels.
    static func emptySignal(channels: Int) -> Tensor { Tensor(shape: [0, channels], scalars: []) }
}
