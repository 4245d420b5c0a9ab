import Foundation

/// The standard normal distribution's upper tail.
enum NormalTail {
    /// P(Z > z) for Z ~ N(0, 1).
    static func probability(above z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }
}
