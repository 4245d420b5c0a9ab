/// Typed access to the fields of a JSON-like object, with errors naming the file and field path.
struct ConfigurationFieldReader {
    let fields: [String: CheckpointValue]
    let file: String
    let prefix: String

    func optionalInt(_ name: String) throws -> Int? {
        switch fields[name] {
        case nil, .null?: return nil
        case let .int(value)?: return value
        case let .double(value)? where value.rounded() == value && abs(value) < 1e15: return Int(value)
        case let other?: throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "expected an integer, got \(other)")
        }
    }

    func int(_ name: String, default fallback: Int? = nil) throws -> Int {
        if let value = try optionalInt(name) { return value }
        if let fallback { return fallback }
        throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "missing")
    }

    func bool(_ name: String, default fallback: Bool) throws -> Bool {
        switch fields[name] {
        case nil, .null?: return fallback
        case let .bool(value)?: return value
        case let .int(value)? where value == 0 || value == 1: return value == 1
        case let other?: throw CheckpointError.invalidConfiguration(file: file, field: prefix + name, reason: "expected true or false, got \(other)")
        }
    }
}
