import Foundation

extension CheckpointValue: Decodable {
    /// Decodes any JSON value. Booleans stay booleans; integral numbers become `.int`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([CheckpointValue].self) { self = .array(value) }
        else { self = .dictionary(try container.decode([String: CheckpointValue].self)) }
    }

    /// Parses a JSON document, naming `file` in the error if it is not valid JSON.
    public static func parseJSON(_ data: Data, file: String) throws -> CheckpointValue {
        do {
            return try JSONDecoder().decode(CheckpointValue.self, from: data)
        } catch let error as DecodingError {
            throw CheckpointError.malformed(file: file, item: "JSON document", offset: nil, reason: DecodingErrorText.describe(error, document: data))
        }
    }

    /// The dictionary payload, or nil.
    public var dictionaryValue: [String: CheckpointValue]? {
        if case let .dictionary(value) = self { return value }
        return nil
    }
}
