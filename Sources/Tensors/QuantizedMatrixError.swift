/// Errors from building a `QuantizedMatrix` out of stored parts (a weight cache file).
public enum QuantizedMatrixError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `part` (`"payload"` or `"scales"`) of a `format` matrix `[rows, columns]` holds `actual`
    /// bytes where the layout needs `expected`.
    case storageSize(part: String, format: WeightFormat, rows: Int, columns: Int, expected: Int, actual: Int)
    /// f32 weights are not a `QuantizedMatrix`.
    case notQuantized
    /// A non-positive extent or one too large for the kernels (`Int32`).
    case badShape(rows: Int, columns: Int)

    public var description: String {
        switch self {
        case let .storageSize(part, format, rows, columns, expected, actual):
            return "the \(part) of a \(format.rawValue) matrix [\(rows), \(columns)] needs \(expected) bytes, got \(actual)"
        case .notQuantized:
            return "f32 weights cannot be stored as a quantized matrix"
        case let .badShape(rows, columns):
            return "a quantized matrix needs 0 < rows, columns < 2^31, got [\(rows), \(columns)]"
        }
    }
}
