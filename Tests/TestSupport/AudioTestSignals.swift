import Foundation

/// Least-squares fit of `a·sin(ωn) + b·cos(ωn) + c` at a known frequency over `signal`, and the
/// energy of what the fit leaves (aliasing, imaging, noise, any frequency error) relative to it.
public enum ToneAnalysis {
    public struct Fit {
        public var amplitude: Double
        /// Phase (radians) relative to `sin(ω·(n + offset))`.
        public var phase: Double
        /// Residual power over tone power, in dB.
        public var residualDB: Double
    }

    public static func fit(_ signal: ArraySlice<Float>, frequency: Double, sampleRate: Double, offset: Int) -> Fit {
        let omega = 2 * Double.pi * frequency / sampleRate
        // Normal equations for [sin, cos, 1].
        var m = [[Double]](repeating: [Double](repeating: 0, count: 3), count: 3)
        var v = [Double](repeating: 0, count: 3)
        for (i, x) in signal.enumerated() {
            let n = Double(offset + i)
            let basis = [sin(omega * n), cos(omega * n), 1]
            for r in 0..<3 {
                v[r] += basis[r] * Double(x)
                for c in 0..<3 { m[r][c] += basis[r] * basis[c] }
            }
        }
        let coefficients = solve3(m, v)
        var residual = 0.0
        for (i, x) in signal.enumerated() {
            let n = Double(offset + i)
            let model = coefficients[0] * sin(omega * n) + coefficients[1] * cos(omega * n) + coefficients[2]
            residual += (Double(x) - model) * (Double(x) - model)
        }
        let amplitude = (coefficients[0] * coefficients[0] + coefficients[1] * coefficients[1]).squareRoot()
        let tonePower = amplitude * amplitude / 2 * Double(signal.count)
        return Fit(amplitude: amplitude, phase: atan2(coefficients[1], coefficients[0]),
                   residualDB: 10 * log10(max(residual, 1e-30) / tonePower))
    }

    private static func solve3(_ m: [[Double]], _ v: [Double]) -> [Double] {
        var a = m
        var b = v
        for col in 0..<3 {
            let pivot = (col..<3).max { abs(a[$0][col]) < abs(a[$1][col]) } ?? col
            a.swapAt(col, pivot)
            b.swapAt(col, pivot)
            for row in 0..<3 where row != col {
                let f = a[row][col] / a[col][col]
                for c in 0..<3 { a[row][c] -= f * a[col][c] }
                b[row] -= f * b[col]
            }
        }
        return (0..<3).map { b[$0] / a[$0][$0] }
    }

    /// Sign changes from negative to non-negative.
    public static func risingZeroCrossings(_ signal: ArraySlice<Float>) -> Int {
        zip(signal, signal.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
    }
}

/// Deterministic broadband test signal: a chirp plus LCG noise.
public func testSignal(count: Int, seed: UInt64 = 1) -> [Float] {
    var state = seed
    return (0..<count).map { n in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let noise = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        let t = Double(n) / 24_000
        return 0.4 * Float(sin(2 * Double.pi * (200 + 2000 * t) * t)) + 0.1 * noise
    }
}
