import Foundation

/// Arithmetic that reproduces what Bark's Python reference computes, where Swift's defaults differ.
enum PythonArithmetic {
    /// Python's `round(x)` for floats: halves go to the even neighbour.
    static func round(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }

    /// Python's `x % m` for a positive modulus: never negative.
    static func modulo(_ x: Int, _ m: Int) -> Int { ((x % m) + m) % m }

    /// Python's `a[-n:]` on a sequence: the last `n` elements, except that `n == 0` means all of
    /// them (`-0 == 0`), a quirk the reference inherits.
    static func suffix<T>(_ array: [T], _ n: Int) -> [T] { n == 0 ? array : Array(array.suffix(n)) }
}
