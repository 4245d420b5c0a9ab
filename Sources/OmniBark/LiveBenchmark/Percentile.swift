/// Nearest-rank percentiles of measured values (the smallest value with at least `p` of the
/// values at or below it), as the benchmarks report them.
public enum Percentile {
    /// The `p`-quantile (0…1) of `values` by nearest rank; nil for no values. NaNs are ignored.
    public static func of(_ values: [Double], _ p: Double) -> Double? {
        let sorted = values.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else { return nil }
        let rank = Int((min(1, max(0, p)) * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
