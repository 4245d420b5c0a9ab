/// Why a weight cache file was not used (each case names the file); the loader then rebuilds it.
public enum WeightCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cache was made from another checkpoint, format or layout: `reason` names the field.
    case stale(file: String, reason: String)
    /// The cache cannot be read as a whole, valid cache (truncated, damaged, missing a matrix).
    case corrupt(file: String, reason: String)
    /// The checkpoint the key is computed from cannot be read.
    case unreadableSource(file: String, reason: String)

    public var description: String {
        switch self {
        case let .stale(file, reason): return "weight cache \(file) is stale (\(reason))"
        case let .corrupt(file, reason): return "weight cache \(file) is damaged (\(reason))"
        case let .unreadableSource(file, reason): return "cannot read \(file) to key its weight cache: \(reason)"
        }
    }
}
