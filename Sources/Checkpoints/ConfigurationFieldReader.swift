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
}
