extension Linear {
    /// A layer whose weight is already quantized (loaded from a weight cache); `bias` stays f32.
    /// - Precondition: `bias`, when given, is `[quantized.rows]`.
    public init(quantized: QuantizedMatrix, bias: Tensor?) {
        if let bias { precondition(bias.shape == [quantized.rows], "Linear bias \(bias.shape) for weight [\(quantized.rows), \(quantized.columns)]") }
        self.weights = .quantized(quantized)
        self.bias = bias
    }
}
