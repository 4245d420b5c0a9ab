import Foundation

/// A JSON scalar in an event-log line or a payload: text, an integer, a finite number, or null.
public enum LiveLogValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case null

    /// `.integer` for a whole number that fits in 53 bits (slot 3 prints as `3`, not `3.0`),
    /// `.number` for other finite numbers, `.null` for NaN and infinities (JSON has neither).
    public init(number: Double) {
        if !number.isFinite {
            self = .null
        } else if number == number.rounded(), abs(number) <= 9_007_199_254_740_992 {
            self = .integer(Int64(number))
        } else {
            self = .number(number)
        }
    }

    /// The value as JSON text: strings escaped per RFC 8259 (quote, backslash and control
    /// characters), numbers in Swift's shortest round-trip form.
    public var json: String {
        switch self {
        case let .string(text): return Self.quoted(text)
        case let .integer(value): return String(value)
        case let .number(value): return value.isFinite ? "\(value)" : "null"
        case .null: return "null"
        }
    }

    /// The value as a Foundation JSON object (`String`, `Int`, `Double` or `NSNull`).
    public var jsonObject: Any {
        switch self {
        case let .string(text): return text
        case let .integer(value): return Int(value)
        case let .number(value): return value
        case .null: return NSNull()
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u" + String(format: "%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
