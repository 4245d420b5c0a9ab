/// A failure inside ICU while folding text (out of memory, missing data); names the operation.
public struct GuardrailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ICU operation that failed ("uspoof_open", "unorm2_normalize"…).
    public var operation: String
    /// ICU's error name ("U_MEMORY_ALLOCATION_ERROR").
    public var code: String

    public var description: String { "Unicode folding failed in ICU \(operation): \(code)" }
}
