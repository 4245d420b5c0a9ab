import Foundation
import Tensors
import Testing
import TestSupport

/// Tensors kernels used by EnCodec against naive loops written from the PyTorch definitions.
@Suite struct KernelTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SplitMix64(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { _ in Float(Double(generator.next() % 20_001) / 10_000 - 1) })
    }

    static func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test(arguments: [(1, 1), (2, 1), (1, 3), (3, 2)])
    func conv1dMatchesNaive(stride: Int, dilation: Int) {
        let (inC, outC, k, length) = (3, 4, 5, 29)
        let weight = Self.random([outC, inC, k], seed: 1), bias = Self.random([outC], seed: 2)
        let x = Self.random([length, inC], seed: 3)
        let conv = Conv1d(weight: weight, bias: bias, stride: stride, dilation: dilation)
        let y = conv(x)
        let outLength = (length - (k - 1) * dilation - 1) / stride + 1
        #expect(y.shape == [outLength, outC])
        var naive = [Float](repeating: 0, count: outLength * outC)
        for t in 0..<outLength {
            for o in 0..<outC {
                var sum = bias.scalars[o]
                for c in 0..<inC {
                    for j in 0..<k { sum += weight.scalars[(o * inC + c) * k + j] * x.scalars[(t * stride + j * dilation) * inC + c] }
                }
                naive[t * outC + o] = sum
            }
        }
        #expect(Self.close(y.scalars, naive))
    }

    @Test func paddingModes() {
        let x = Tensor(shape: [4, 1], scalars: [1, 2, 3, 4])
        #expect(TimePadding.pad(x, left: 2, right: 3, mode: .reflect).scalars == [3, 2, 1, 2, 3, 4, 3, 2, 1])
        #expect(TimePadding.pad(x, left: 2, right: 1, mode: .replicate).scalars == [1, 1, 1, 2, 3, 4, 4])
        #expect(TimePadding.pad(x, left: 1, right: 2, mode: .constant).scalars == [0, 1, 2, 3, 4, 0, 0])
    }

    @Test(arguments: [1, 2, 4])
    func convTranspose1dMatchesNaive(stride: Int) {
        let (inC, outC, k, length) = (3, 2, 2 * stride + 1, 11)
        let weight = Self.random([inC, outC, k], seed: 4), bias = Self.random([outC], seed: 5)
        let x = Self.random([length, inC], seed: 6)
        let y = ConvTranspose1d(weight: weight, bias: bias, stride: stride)(x)
        let outLength = (length - 1) * stride + k
        #expect(y.shape == [outLength, outC])
        var naive = [Float](repeating: 0, count: outLength * outC)
        for p in 0..<outLength { for o in 0..<outC { naive[p * outC + o] = bias.scalars[o] } }
        for t in 0..<length {
            for c in 0..<inC {
                for o in 0..<outC {
                    for j in 0..<k { naive[(t * stride + j) * outC + o] += x.scalars[t * inC + c] * weight.scalars[(c * outC + o) * k + j] }
                }
            }
        }
        #expect(Self.close(y.scalars, naive))
    }

    @Test func lstmMatchesNaiveAndStreams() {
        let (size, layers, length) = (5, 2, 13)
        let lstm = LSTM(layers: (0..<layers).map { n in
            LSTM.Layer(weightIH: Self.random([4 * size, size], seed: 10 + UInt64(n)), weightHH: Self.random([4 * size, size], seed: 20 + UInt64(n)),
                       biasIH: Self.random([4 * size], seed: 30 + UInt64(n)), biasHH: Self.random([4 * size], seed: 40 + UInt64(n)))
        })
        let x = Self.random([length, size], seed: 7)
        var state = lstm.initialState()
        let y = lstm(x, state: &state)

        // Naive: PyTorch's equations, gate order i, f, g, o.
        func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }
        var sequence = (0..<length).map { Array(x.scalars[($0 * size)..<(($0 + 1) * size)]) }
        for layer in lstm.layers {
            var h = [Float](repeating: 0, count: size), c = h
            let wih = layer.input.weight.scalars, whh = layer.recurrent.weight.scalars, b = layer.input.bias?.scalars ?? []
            for t in 0..<length {
                var gates = [Float](repeating: 0, count: 4 * size)
                for r in 0..<(4 * size) {
                    var sum = b[r]
                    for i in 0..<size { sum += wih[r * size + i] * sequence[t][i] + whh[r * size + i] * h[i] }
                    gates[r] = sum
                }
                for u in 0..<size {
                    c[u] = sigmoid(gates[size + u]) * c[u] + sigmoid(gates[u]) * tanh(gates[2 * size + u])
                    h[u] = sigmoid(gates[3 * size + u]) * tanh(c[u])
                }
                sequence[t] = h
            }
        }
        #expect(Self.close(y.scalars, Array(sequence.joined())))

        // Two pieces with the state carried over equal the whole sequence.
        var split = lstm.initialState()
        let first = lstm(Tensor(shape: [4, size], scalars: Array(x.scalars[0..<(4 * size)])), state: &split)
        let second = lstm(Tensor(shape: [length - 4, size], scalars: Array(x.scalars[(4 * size)...])), state: &split)
        #expect(Self.close(first.scalars + second.scalars, y.scalars, tolerance: 1e-6))
        #expect(split == state)
    }

    @Test func eluMatchesDefinition() {
        let x = Tensor(shape: [5], scalars: [-3, -0.5, 0, 0.25, 2])
        let expected = x.scalars.map { $0 > 0 ? $0 : Float(exp(Double($0)) - 1) }
        #expect(Self.close(x.elu().scalars, expected, tolerance: 1e-7))
    }
}
