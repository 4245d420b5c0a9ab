import Foundation

/// Wall-clock seconds spent in each stage (summed over long-form segments).
public struct GenerationTimings: Sendable, Equatable {
    public var semantic: Double = 0
    public var coarse: Double = 0
    public var fine: Double = 0
    /// EnCodec decoding, filled in by the caller that decodes.
    public var codec: Double = 0
    /// Coarse window prefill passes (included in `coarse`) and how many windows ran.
    public var coarsePrefill: Double = 0
    public var coarseWindows = 0
    /// Coarse prefill passes (one per window in exact mode; fewer in live mode, which continues
    /// its KV cache across windows).
    public var coarsePrefillPasses = 0
    /// Fine windows run (each predicts every remaining codebook once).
    public var fineWindows = 0

    public init() {}

    public var total: Double { semantic + coarse + fine + codec }

    /// Runs `body`, adding its duration to the field at `stage`.
    public mutating func measure<T>(_ stage: WritableKeyPath<GenerationTimings, Double>, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { self[keyPath: stage] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }
}
