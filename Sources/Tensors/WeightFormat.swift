/// How a linear layer stores its weight matrix, chosen per model at load time.
///
/// - `f32`: the checkpoint's values, multiplied with OpenBLAS (the reference path).
/// - `bf16`: the top half of each f32, round-to-nearest-even (2 bytes per weight).
/// - `int8`: symmetric per output row, `w ≈ scale[row] · q`, `q ∈ -127…127` (1 byte + 4 per row).
/// - `q4`: symmetric groups of 32 inputs, `w ≈ scale[group] · q`, `q ∈ -8…7`, two per byte
///   (0.625 bytes per weight with the f32 group scales).
public enum WeightFormat: String, Sendable, CaseIterable, Codable {
    case f32, bf16, int8, q4

    /// Storage per weight, scales included (for a row length that is a multiple of 32).
    public var bytesPerWeight: Double {
        switch self {
        case .f32: 4
        case .bf16: 2
        case .int8: 1
        case .q4: 0.625
        }
    }
}
