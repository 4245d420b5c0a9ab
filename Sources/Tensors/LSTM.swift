import Foundation

/// A stacked unidirectional LSTM in PyTorch's `nn.LSTM` layout (gate order i, f, g, o;
/// `weight_ih_l{n}` `[4H, in]`, `weight_hh_l{n}` `[4H, H]`, `bias_ih_l{n}` / `bias_hh_l{n}` `[4H]`),
/// on time-major sequences `[time, features]`, batch 1.
///
/// The state is explicit (`LSTM.State`), so a sequence can be fed in pieces: running two halves
/// with the state carried over equals running the whole sequence.
///
/// Immutable and `Sendable`: one instance may serve any number of threads at once; each stream
/// owns its own `State`.
public struct LSTM: Sendable {
    /// One layer's parameters.
    public struct Layer: Sendable {
        /// Input projection, `[4·hidden, inputSize]`, with `bias_ih + bias_hh` folded into its bias.
        public let input: Linear
        /// Recurrent projection, `[4·hidden, hidden]`, no bias.
        public let recurrent: Linear

        /// - Parameters: PyTorch tensors `weight_ih` `[4H, in]`, `weight_hh` `[4H, H]`, optional `bias_ih` / `bias_hh` `[4H]`.
        public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?) {
            precondition(weightHH.rank == 2 && weightHH.shape[0] == 4 * weightHH.shape[1],
                         "LSTM weight_hh must be [4H, H], got \(weightHH.shape)")
            precondition(weightIH.rank == 2 && weightIH.shape[0] == weightHH.shape[0],
                         "LSTM weight_ih \(weightIH.shape) does not match weight_hh \(weightHH.shape)")
            var bias: Tensor?
            if biasIH != nil || biasHH != nil {
                var sum = [Float](repeating: 0, count: weightHH.shape[0])
                for b in [biasIH, biasHH].compactMap({ $0 }) {
                    precondition(b.shape == [sum.count], "LSTM bias \(b.shape), expected [\(sum.count)]")
                    // PyTorch adds (W_ih x + b_ih) + (W_hh h + b_hh); folding changes rounding only.
                    for i in sum.indices { sum[i] += b.scalars[i] }
                }
                bias = Tensor(shape: [sum.count], scalars: sum)
            }
            input = Linear(weight: weightIH, bias: bias)
            recurrent = Linear(weight: weightHH)
        }

        public var hiddenSize: Int { recurrent.inFeatures }
    }

    /// Hidden and cell state of every layer, `[layers][hidden]`; zeros at the start of a sequence.
    public struct State: Sendable, Equatable {
        public var hidden: [[Float]]
        public var cell: [[Float]]
    }

    public let layers: [Layer]

    public init(layers: [Layer]) {
        precondition(!layers.isEmpty, "LSTM needs at least one layer")
        for (index, layer) in layers.enumerated().dropFirst() {
            precondition(layer.input.inFeatures == layers[index - 1].hiddenSize, "LSTM layer \(index) input size mismatch")
        }
        self.layers = layers
    }

    public var inputSize: Int { layers[0].input.inFeatures }
    public var hiddenSize: Int { layers[layers.count - 1].hiddenSize }

    /// The zero state PyTorch starts from.
    public func initialState() -> State {
        State(hidden: layers.map { [Float](repeating: 0, count: $0.hiddenSize) },
              cell: layers.map { [Float](repeating: 0, count: $0.hiddenSize) })
    }

    /// Runs `input[time, inputSize]` from `state`, updating it, and returns the last layer's hidden
    /// states `[time, hiddenSize]`. Allocates per call (gate buffers), not per step.
    public func callAsFunction(_ input: Tensor, state: inout State) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == inputSize, "LSTM input \(input.shape), input size \(inputSize)")
        let length = input.shape[0]
        var sequence = input.scalars
        for (index, layer) in layers.enumerated() {
            let hiddenSize = layer.hiddenSize, gateWidth = 4 * hiddenSize
            var gates = [Float](repeating: 0, count: length * gateWidth)
            layer.input.apply(sequence, rows: length, into: &gates)
            var output = [Float](repeating: 0, count: length * hiddenSize)
            var h = state.hidden[index], c = state.cell[index]
            var step = [Float](repeating: 0, count: gateWidth)
            for t in 0..<length {
                layer.recurrent.apply(h, rows: 1, into: &step)
                let base = t * gateWidth
                for u in 0..<hiddenSize {
                    let i = sigmoid(gates[base + u] + step[u])
                    let f = sigmoid(gates[base + hiddenSize + u] + step[hiddenSize + u])
                    let g = tanhf(gates[base + 2 * hiddenSize + u] + step[2 * hiddenSize + u])
                    let o = sigmoid(gates[base + 3 * hiddenSize + u] + step[3 * hiddenSize + u])
                    c[u] = f * c[u] + i * g
                    h[u] = o * tanhf(c[u])
                }
                for u in 0..<hiddenSize { output[t * hiddenSize + u] = h[u] }
            }
            state.hidden[index] = h
            state.cell[index] = c
            sequence = output
        }
        return Tensor(shape: [length, hiddenSize], scalars: sequence)
    }

    @inline(__always) private func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}
