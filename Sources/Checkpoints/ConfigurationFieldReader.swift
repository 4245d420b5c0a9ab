/// Typed access to the fields of a JSON-like object, with errors naming the file and field path
/// (`prefix` + field name, e.g. `semantic_config.num_layers`).
public struct ConfigurationFieldReader: Sendable {
    public let fields: [String: CheckpointValue]
    public let file: String
    public let prefix: String

    public init(fields: [String: CheckpointValue], file: String, prefix: String = "") {
        self.fields = fields
        self.file = file
        self.prefix = prefix
    }

    public func optionalInt(_ name: String) throws -> Int? {
        switch fields[name] {
        case nil, .null?: return nil
        case let .int(value)?: return value
        case let .double(value)? where value.rounded() == value && abs(value) < 1e15: return Int(value)
        case let other?: throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "expected an integer, got \(other)")
        }
    }

    public func int(_ name: String, default fallback: Int? = nil) throws -> Int {
        if let value = try optionalInt(name) { return value }
        if let fallback { return fallback }
        throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "missing")
    }

    public func bool(_ name: String, default fallback: Bool) throws -> Bool {
        switch fields[name] {
        case nil, .null?: return fallback
        case let .bool(value)?: return value
        case let .int(value)? where value == 0 || value == 1: return value == 1
        case let other?: throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "expected true or false, got \(other)")
        }
    }

    public func optionalDouble(_ name: String) throws -> Double? {
        switch fields[name] {
        case nil, .null?: return nil
        case let .int(value)?: return Double(value)
        case let .double(value)?: return value
        case let other?: throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "expected a number, got \(other)")
        }
    }

    public func double(_ name: String, default fallback: Double) throws -> Double {
        try optionalDouble(name) ?? fallback
    }

    /// A nested object, or nil when absent or null.
    public func optionalObject(_ name: String) throws -> [String: CheckpointValue]? {
        switch fields[name] {
        case nil, .null?: return nil
        case let .dictionary(value)?: return value
        case let other?: throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "expected an object, got \(other)")
        }
    }

    /// An `invalidConfiguration` error for field `name`.
    public func invalid(_ name: String, _ reason: String) -> CheckpointError {
        .invalidConfiguration(file: file, field: prefix + name, reason: reason)
    }

    /// An integer ≥ `minimum` and ≤ 2²⁴ (larger values are implausible for any model setting).
    public func int(_ name: String, default fallback: Int, minimum: Int) throws -> Int {
        guard let result = try optionalInt(name) else { return fallback }
        if result < minimum { throw invalid(name, "\(result) is below the minimum \(minimum)") }
        if result > 1 << 24 { throw invalid(name, "\(result) is implausibly large") }
        return result
    }

    public func positiveInt(_ name: String, default fallback: Int) throws -> Int {
        try int(name, default: fallback, minimum: 1)
    }

    public func string(_ name: String, default fallback: String) throws -> String {
        switch fields[name] {
        case nil, .null?: return fallback
        case let .string(value)?: return value
        case let other?: throw invalid(name, "expected a string, got \(other)")
        }
    }

    public func intArray(_ name: String, default fallback: [Int]) throws -> [Int] {
        switch fields[name] {
        case nil, .null?: return fallback
        case let .array(items)?:
            return try items.map { item in
                let element = ConfigurationFieldReader(fields: [name: item], file: file, prefix: prefix)
                guard let value = try element.optionalInt(name) else { throw invalid(name, "expected a list of integers") }
                return value
            }
        case let other?: throw invalid(name, "expected a list of integers, got \(other)")
        }
    }

    public func doubleArray(_ name: String, default fallback: [Double]) throws -> [Double] {
        switch fields[name] {
        case nil, .null?: return fallback
        case let .array(items)?:
            return try items.map { item in
                let element = ConfigurationFieldReader(fields: [name: item], file: file, prefix: prefix)
                guard let value = try element.optionalDouble(name) else { throw invalid(name, "expected a list of numbers") }
                return value
            }
        case let other?: throw invalid(name, "expected a list of numbers, got \(other)")
        }
    }
}
