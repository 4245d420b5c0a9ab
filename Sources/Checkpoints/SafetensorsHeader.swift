import Foundation

/// The parsed and validated JSON header of a safetensors file.
struct SafetensorsHeader {
    /// One tensor's header entry.
    struct Entry {
        let name: String
        let dtype: StoredDType
        let shape: [Int]
        /// Byte range relative to the start of the data region.
        let byteRange: Range<Int>
    }

    /// Largest header accepted (the reference implementation uses the same bound).
    static let maxHeaderBytes = 100 * 1024 * 1024

    let entries: [String: Entry]
    let metadata: [String: String]
    /// Absolute file offset of the data region (8 + header length).
    let dataStart: Int

    /// Safetensors dtype names → stored dtypes.
    static let dtypes: [String: StoredDType] = [
        "F64": .float64, "F32": .float32, "F16": .float16, "BF16": .bfloat16,
        "I64": .int64, "I32": .int32, "I16": .int16, "I8": .int8,
        "U64": .uint64, "U32": .uint32, "U16": .uint16, "U8": .uint8, "BOOL": .bool,
    ]

    init(file: MappedFile) throws {
        let path = file.path
        let declared = try file.uintLE(offset: 0, width: 8, item: "header length")
        let limit = min(Self.maxHeaderBytes, file.count - 8)
        guard declared <= UInt64(limit) else {
            throw CheckpointError.limitExceeded(file: path, item: "header length",
                                                value: declared > UInt64(Int.max) ? Int.max : Int(declared),
                                                limit: limit)
        }
        let headerLength = Int(declared)
        let json = try file.withBytes(offset: 8, length: headerLength, item: "header") { Data($0) }
        guard json.first == UInt8(ascii: "{") else {
            throw CheckpointError.malformed(file: path, item: "header", offset: 8, reason: "does not start with '{'")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw CheckpointError.malformed(file: path, item: "header", offset: 8, reason: "not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw CheckpointError.malformed(file: path, item: "header", offset: 8, reason: "not a JSON object")
        }
        dataStart = 8 + headerLength
        let dataLength = file.count - dataStart

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in dict {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw CheckpointError.malformed(file: path, item: "__metadata__", offset: 8, reason: "not an object")
                }
                for (key, item) in map {
                    guard let string = item as? String else {
                        throw CheckpointError.malformed(file: path, item: "__metadata__.\(key)", offset: 8,
                                                        reason: "value is not a string")
                    }
                    metadata[key] = string
                }
                continue
            }
            entries[name] = try Self.entry(name: name, value: value, dataLength: dataLength, path: path)
        }
        try Self.checkNoOverlap(entries.values, path: path)
        self.entries = entries
        self.metadata = metadata
    }

    private static func entry(name: String, value: Any, dataLength: Int, path: String) throws -> Entry {
        let item = "header entry '\(name)'"
        func bad(_ reason: String) -> CheckpointError {
            .malformed(file: path, item: item, offset: 8, reason: reason)
        }
        guard let fields = value as? [String: Any] else { throw bad("not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw bad("missing string field 'dtype'") }
        guard let dtype = dtypes[dtypeName] else {
            throw CheckpointError.unsupportedDType(file: path, tensor: name, dtype: dtypeName)
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw bad("missing array field 'shape'") }
        let shape = try shapeValues.map { try nonNegativeInt($0, or: bad("shape has a non-integer or negative extent")) }
        guard let offsetValues = fields["data_offsets"] as? [Any], offsetValues.count == 2 else {
            throw bad("missing field 'data_offsets' [begin, end]")
        }
        let begin = try nonNegativeInt(offsetValues[0], or: bad("data_offsets begin is not a non-negative integer"))
        let end = try nonNegativeInt(offsetValues[1], or: bad("data_offsets end is not a non-negative integer"))
        guard begin <= end else { throw bad("data_offsets end \(end) is before begin \(begin)") }
        guard end <= dataLength else {
            throw CheckpointError.truncated(file: path, item: "tensor '\(name)'", offset: begin,
                                            needed: end - begin, available: max(0, dataLength - begin))
        }
        guard let expected = SizeMath.byteCount(shape, width: dtype.byteWidth) else {
            throw CheckpointError.limitExceeded(file: path, item: "byte size of tensor '\(name)' with shape \(shape)",
                                                value: Int.max, limit: dataLength)
        }
        guard expected == end - begin else {
            throw bad("shape \(shape) × \(dtype.byteWidth) bytes needs \(expected) bytes but data_offsets span \(end - begin)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Non-empty byte ranges must not overlap.
    private static func checkNoOverlap(_ entries: Dictionary<String, Entry>.Values, path: String) throws {
        let sorted = entries.filter { !$0.byteRange.isEmpty }.sorted {
            ($0.byteRange.lowerBound, $0.name) < ($1.byteRange.lowerBound, $1.name)
        }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.byteRange.lowerBound < previous.byteRange.upperBound {
            throw CheckpointError.malformed(file: path, item: "header entry '\(next.name)'", offset: 8,
                                            reason: "data_offsets \(next.byteRange) overlap tensor '\(previous.name)' \(previous.byteRange)")
        }
    }

    /// A JSON number that is an exact non-negative integer (JSON `true`/`false` are refused even
    /// though Foundation bridges them to `NSNumber`).
    private static func nonNegativeInt(_ value: Any, or error: CheckpointError) throws -> Int {
        guard let number = value as? NSNumber else { throw error }
        switch String(cString: number.objCType) {
        case "c", "B": // JSON booleans
            throw error
        case "d", "f":
            let double = number.doubleValue
            guard double >= 0, double < 9_007_199_254_740_992, double == double.rounded() else { throw error }
            return Int(double)
        case "Q", "L", "I", "S", "C":
            let unsigned = number.uint64Value
            guard unsigned <= UInt64(Int.max) else { throw error }
            return Int(unsigned)
        default:
            let signed = number.int64Value
            guard signed >= 0 else { throw error }
            return Int(signed)
        }
    }
}
