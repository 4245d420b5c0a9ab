/// Padding of time-major signals `[time, channels]` along time, as `torch.nn.functional.pad` on the
/// last axis of a `[channels, time]` tensor.
public enum TimePadding {
    /// How padded samples are filled.
    public enum Mode: String, Sendable, Equatable {
        /// Zeros (PyTorch `constant` with value 0).
        case constant
        /// Mirror without repeating the edge sample: `x[2] x[1] | x[0] x[1] …`. Needs `time > max(left, right)`.
        case reflect
        /// Repeat the edge sample.
        case replicate
    }

    /// Returns `[left + time + right, channels]`. Allocates the result.
    /// - Precondition: `left, right ≥ 0`; for `.reflect`, `time > max(left, right)`; for
    ///   `.replicate`, `time ≥ 1` when any padding is asked for.
    public static func pad(_ input: Tensor, left: Int, right: Int, mode: Mode) -> Tensor {
        precondition(input.rank == 2 && left >= 0 && right >= 0, "pad \(input.shape) by (\(left), \(right))")
        if left == 0 && right == 0 { return input }
        let length = input.shape[0], channels = input.shape[1]
        switch mode {
        case .reflect: precondition(length > max(left, right), "reflect padding (\(left), \(right)) needs more than \(length) samples")
        case .replicate: precondition(length >= 1, "replicate padding of an empty signal")
        case .constant: break
        }
        let total = left + length + right
        var out = [Float](repeating: 0, count: total * channels)
        input.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for t in 0..<total {
                    let source: Int?
                    let position = t - left
                    if position >= 0 && position < length {
                        source = position
                    } else {
                        switch mode {
                        case .constant: source = nil
                        case .reflect: source = position < 0 ? -position : 2 * (length - 1) - position
                        case .replicate: source = position < 0 ? 0 : length - 1
                        }
                    }
                    guard let source else { continue }
                    for c in 0..<channels { y[t * channels + c] = x[source * channels + c] }
                }
            }
        }
        return Tensor(shape: [total, channels], scalars: out)
    }
}
