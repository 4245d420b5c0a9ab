import CICU

/// ICU's normalizers, case folding and TR39 skeletons over Swift strings (UTF-16 underneath).
///
/// Thread safety: the spoof checker is created in `init`, released in `deinit` and otherwise only
/// passed to `uspoof_getSkeleton`, which ICU documents as safe to call concurrently on one
/// configured checker; the normalizers are ICU's shared, immutable singletons.
final class ICUFunctions: @unchecked Sendable {
    private let checker: UnsafeMutableRawPointer

    init() throws {
        var status: Int32 = 0
        let checker = omnibark_uspoof_open(&status)
        try Self.check(status, "uspoof_open")
        guard let checker else { throw GuardrailError(operation: "uspoof_open", code: "no checker") }
        self.checker = checker
    }

    deinit { omnibark_uspoof_close(checker) }

    /// Unicode normalization form KC ("ﬁ" → "fi", fullwidth "ｋ" → "k", "①" → "1").
    func compatibilityComposed(_ text: String) throws -> String {
        try transform(text, "unorm2_normalize") { omnibark_normalize(1, $0, $1, $2, $3, $4) }
    }

    /// Unicode normalization form D (a letter and its combining marks apart: "é" → "e" + U+0301).
    func decomposed(_ text: String) throws -> String {
        try transform(text, "unorm2_normalize") { omnibark_normalize(0, $0, $1, $2, $3, $4) }
    }

    /// Full case folding ("Straße" → "strasse").
    func caseFolded(_ text: String) throws -> String {
        try transform(text, "u_strFoldCase") { omnibark_fold_case($0, $1, $2, $3, $4) }
    }

    /// The TR39 confusable skeleton (Cyrillic "а" → Latin "a", "m" → "rn"). Only for matching.
    func skeleton(_ text: String) throws -> String {
        let checker = UnsafeRawPointer(self.checker)
        return try transform(text, "uspoof_getSkeleton") { omnibark_uspoof_skeleton(checker, $0, $1, $2, $3, $4) }
    }

    private typealias Call = (UnsafePointer<UInt16>?, Int32, UnsafeMutablePointer<UInt16>?, Int32, UnsafeMutablePointer<Int32>) -> Int32

    /// Runs an ICU "preflighting" function: once with a generous buffer, again with the exact size
    /// when ICU reports the buffer was too small.
    private func transform(_ text: String, _ operation: String, _ call: Call) throws -> String {
        let input = Array(text.utf16)
        if input.isEmpty { return "" }
        var capacity = input.count * 4 + 16
        for _ in 0..<2 {
            var status: Int32 = 0
            var output = [UInt16](repeating: 0, count: capacity)
            let length = input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { destination in
                    call(source.baseAddress, Int32(source.count), destination.baseAddress, Int32(capacity), &status)
                }
            }
            if status == OMNIBARK_ICU_BUFFER_OVERFLOW {
                capacity = Int(length) + 1
                continue
            }
            try Self.check(status, operation)
            return String(decoding: output.prefix(Int(length)), as: UTF16.self)
        }
        throw GuardrailError(operation: operation, code: "U_BUFFER_OVERFLOW_ERROR")
    }

    private static func check(_ status: Int32, _ operation: String) throws {
        if status > 0 {
            throw GuardrailError(operation: operation, code: omnibark_icu_error_name(status).map { String(cString: $0) } ?? "error \(status)")
        }
    }
}
