import Foundation

/// JSON null for `JSONSerialization` documents.
enum NSNullValue {
    static var null: Any { NSNull() }
}
