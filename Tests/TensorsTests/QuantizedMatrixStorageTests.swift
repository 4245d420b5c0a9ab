import Testing
@testable import Tensors

/// `QuantizedMatrix.withStorage` and `init(format:rows:columns:payload:scales:)` round-trip every
/// format exactly (same dequantized values, same products), and wrong part sizes are refused by name.
@Suite struct QuantizedMatrixStorageTests {
    static func weight(rows: Int, columns: Int) -> Tensor {
        var random = SeededRandomGenerator(seed: 9)
        return Tensor(shape: [rows, columns], scalars: (0..<(rows * columns)).map { _ in Float(Int(random.next() % 2001) - 1000) / 20_000 })
    }

    @Test(arguments: [WeightFormat.bf16, .int8, .q4])
    func storageRoundTripsExactly(format: WeightFormat) throws {
        let original = QuantizedMatrix(Self.weight(rows: 37, columns: 70), format: format)
        let copy = try original.withStorage { payload, scales in
            try QuantizedMatrix(format: format, rows: 37, columns: 70, payload: payload, scales: scales)
        }
        #expect(copy.dequantized() == original.dequantized())
        #expect(copy.byteCount == original.byteCount && copy.gemmPackedByteCount == original.gemmPackedByteCount)
        let input = (0..<(3 * 70)).map { Float($0 % 11) / 10 - 0.5 }
        var a = [Float](repeating: 0, count: 3 * 37), b = a
        original.multiplyTransposed(input, rows: 3, into: &a, bias: nil, accumulate: false)
        copy.multiplyTransposed(input, rows: 3, into: &b, bias: nil, accumulate: false)
        #expect(a == b)
    }

    @Test func wrongSizesAreRefusedByPart() throws {
        let original = QuantizedMatrix(Self.weight(rows: 4, columns: 64), format: .q4)
        try original.withStorage { payload, scales in
            #expect(throws: QuantizedMatrixError.storageSize(part: "payload", format: .q4, rows: 5, columns: 64, expected: 5 * 32, actual: 4 * 32)) {
                try QuantizedMatrix(format: .q4, rows: 5, columns: 64, payload: payload, scales: scales)
            }
            #expect(throws: QuantizedMatrixError.storageSize(part: "scales", format: .q4, rows: 4, columns: 64, expected: 8 * 4, actual: 8 * 4 - 4)) {
                try QuantizedMatrix(format: .q4, rows: 4, columns: 64, payload: payload, scales: UnsafeRawBufferPointer(rebasing: scales.dropLast(4)))
            }
            #expect(throws: QuantizedMatrixError.notQuantized) {
                try QuantizedMatrix(format: .f32, rows: 4, columns: 64, payload: payload, scales: scales)
            }
        }
    }
}
