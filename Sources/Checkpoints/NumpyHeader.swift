import Foundation

/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0).
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, a little-endian header length (2 bytes
/// in v1, 4 in v2/v3), then a Python dict literal with exactly the keys `descr`, `fortran_order`
/// and `shape`. The literal is parsed strictly by a tiny tokenizer; nothing is evaluated.
struct NumpyHeader: Sendable, Equatable {
    let dtype: StoredDType
    let shape: [Int]
    /// True when the data is stored in Fortran (column-major) order; `NumpyArray` reorders it to
    /// C order. (Bark's own voice presets store `coarse_prompt` this way.)
    let fortranOrder: Bool
    /// Offset of the first data byte.
    let dataOffset: Int
    /// Data size in bytes: elements × width (overflow-checked when parsed).
    let dataByteCount: Int

    /// Largest header accepted (NumPy's own reader defaults to 10,000 bytes).
    static let maxHeaderBytes = 65_536

    /// `descr` strings accepted, all little-endian or byte-order-free.
    static let descriptors: [String: StoredDType] = [
        "<f4": .float32, "<f8": .float64, "<f2": .float16,
        "<i8": .int64, "<i4": .int32, "<i2": .int16, "|i1": .int8,
        "|u1": .uint8, "<u2": .uint16, "<u4": .uint32, "<u8": .uint64, "|b1": .bool,
    ]

    /// Parses the header at the start of `bytes`. Returns nil when `bytes` is too short to hold the
    /// whole header yet (so a stream can supply more); throws for anything malformed or refused.
    static func parse(_ bytes: [UInt8], file: String, item: String) throws -> NumpyHeader? {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        if bytes.count < 10 {
            guard bytes.elementsEqual(magic.prefix(bytes.count)) else {
                throw CheckpointError.unknownFormat(file: file, reason: "\(item) does not start with the NumPy magic \\x93NUMPY")
            }
            return nil
        }
        guard bytes.prefix(6).elementsEqual(magic) else {
            throw CheckpointError.unknownFormat(file: file, reason: "\(item) does not start with the NumPy magic \\x93NUMPY")
        }
        let major = bytes[6]
        let lengthWidth: Int
        switch major {
        case 1: lengthWidth = 2
        case 2, 3: lengthWidth = 4
        default:
            throw CheckpointError.malformed(file: file, item: "\(item) header", offset: 6, reason: "unsupported .npy version \(major).\(bytes[7])")
        }
        guard bytes.count >= 8 + lengthWidth else { return nil }
        let headerLength = Int(LittleEndian.uint(bytes, at: 8, width: lengthWidth))
        guard headerLength <= maxHeaderBytes else {
            throw CheckpointError.limitExceeded(file: file, item: "\(item) header length", value: headerLength, limit: maxHeaderBytes)
        }
        let start = 8 + lengthWidth
        guard bytes.count >= start + headerLength else { return nil }
        let text: String
        if major == 3 {
            guard let utf8 = String(validating: bytes[start..<(start + headerLength)], as: UTF8.self) else {
                throw CheckpointError.malformed(file: file, item: "\(item) header", offset: start, reason: "not valid UTF-8")
            }
            text = utf8
        } else {
            text = String(bytes[start..<(start + headerLength)].map { Character(Unicode.Scalar($0)) }) // latin-1
        }
        var parser = PythonLiteralParser(text: text, file: file, item: "\(item) header", baseOffset: start)
        let fields = try parser.parseHeaderDict()
        func bad(_ reason: String) -> CheckpointError {
            .malformed(file: file, item: "\(item) header", offset: start, reason: reason)
        }
        guard fields.count == 3, case let .string(descr)? = fields["descr"],
              case let .bool(fortran)? = fields["fortran_order"], case let .intTuple(shape)? = fields["shape"] else {
            throw bad("expected exactly the keys 'descr' (str), 'fortran_order' (bool) and 'shape' (tuple of ints)")
        }
        guard let dtype = descriptors[descr] else {
            if descr.hasPrefix(">") {
                throw CheckpointError.unsupportedDType(file: file, tensor: item, dtype: "\(descr) (big-endian; re-save little-endian)")
            }
            throw CheckpointError.unsupportedDType(file: file, tensor: item, dtype: descr)
        }
        guard let byteCount = SizeMath.byteCount(shape, width: dtype.byteWidth) else {
            throw CheckpointError.limitExceeded(file: file, item: "\(item) byte size for shape \(shape)", value: Int.max, limit: Int.max / 2)
        }
        return NumpyHeader(dtype: dtype, shape: shape, fortranOrder: fortran, dataOffset: start + headerLength,
                           dataByteCount: byteCount)
    }
}

/// A strict tokenizer/parser for the `.npy` header dict literal.
struct PythonLiteralParser {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case intTuple([Int])
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private let file: String
    private let item: String
    private let baseOffset: Int

    init(text: String, file: String, item: String, baseOffset: Int) {
        self.scalars = Array(text.unicodeScalars)
        self.file = file
        self.item = item
        self.baseOffset = baseOffset
    }

    /// `{ 'key': value, … }` followed only by whitespace (the padding).
    mutating func parseHeaderDict() throws -> [String: Value] {
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == "}" { index += 1; break }
            let key = try parseString()
            try expect(":")
            skipSpace()
            guard result[key] == nil else { throw error("duplicate key '\(key)'") }
            result[key] = try parseValue()
            skipSpace()
            if peek() == "," { index += 1; continue }
            try expect("}")
            break
        }
        skipSpace()
        guard index == scalars.count else { throw error("unexpected text after the dict") }
        return result
    }

    private mutating func parseValue() throws -> Value {
        switch peek() {
        case "'", "\"": return .string(try parseString())
        case "(": return .intTuple(try parseTuple())
        default:
            if consume("True") { return .bool(true) }
            if consume("False") { return .bool(false) }
            throw error("unexpected value")
        }
    }

    private mutating func parseTuple() throws -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            skipSpace()
            if peek() == ")" { index += 1; break }
            values.append(try parseInt())
            skipSpace()
            if peek() == "," { index += 1; continue }
            try expect(")")
            break
        }
        return values
    }

    private mutating func parseInt() throws -> Int {
        var digits = ""
        while let c = peek(), ("0"..."9").contains(c) {
            digits.unicodeScalars.append(c)
            index += 1
        }
        guard !digits.isEmpty, digits.count <= 18, let value = Int(digits) else {
            throw error("shape extent is not a non-negative integer below 10^18")
        }
        return value
    }

    private mutating func parseString() throws -> String {
        skipSpace()
        guard let quote = peek(), quote == "'" || quote == "\"" else { throw error("expected a quoted string") }
        index += 1
        var text = ""
        while let c = peek(), c != quote {
            guard c != "\\", c != "\n" else { throw error("escapes are not allowed in header strings") }
            text.unicodeScalars.append(c)
            index += 1
        }
        try expect(String(quote))
        return text
    }

    private func peek() -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c == " " || c == "\n" || c == "\t" || c == "\r" { index += 1 }
    }

    private mutating func consume(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard index + w.count <= scalars.count, Array(scalars[index..<(index + w.count)]) == w else { return false }
        index += w.count
        return true
    }

    private mutating func expect(_ token: String) throws {
        skipSpace()
        guard consume(token) else { throw error("expected '\(token)'") }
    }

    private func error(_ reason: String) -> CheckpointError {
        .malformed(file: file, item: item, offset: baseOffset + index, reason: reason)
    }
}
