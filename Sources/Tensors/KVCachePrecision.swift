/// How a `KVCache` stores keys and values.
///
/// - `f32`: as computed (exact; the default).
/// - `f16`: IEEE binary16, rounded to nearest even when appended and widened to f32 as attention
///   reads them. Half the memory and, in a decoding step, half the cache traffic: on bark-small's
///   coarse GPT the f32 cache is about 68 MB read per step, as much as its int8 weights. Keys and
///   values keep about 3 decimal digits (relative rounding error ≤ 2⁻¹¹); Bark's activations stay far
///   inside binary16's range (±65504).
public enum KVCachePrecision: String, Sendable, CaseIterable, Codable {
    case f32, f16
}
