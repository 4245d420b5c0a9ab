import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text a user is shown for an error: the project's own errors speak for themselves (their
/// `description` names the input and what was expected); Foundation and POSIX errors become the
/// reason a user can act on ("No such file or directory", "Permission denied", "not valid UTF-8
/// text"), never a domain and code such as "NSCocoaErrorDomain error 256" or an NSError dump.
public enum ErrorMessage {
    /// The message for any error.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? LocalizedError, !isFoundation(error), let text = error.errorDescription { return text }
        if !isFoundation(error) { return String(describing: error) }  // the project's errors describe themselves
        return reason(error)
    }

    /// The reason part of a failed file operation, worded as `strerror` words it ("Permission
    /// denied", "Not a directory", "No space left on device"), without the path (callers name it):
    /// the POSIX error a Foundation error carries (`NSUnderlyingErrorKey`) is what a user can act on.
    /// Errors that are not Foundation's keep their own description.
    public static func reason(_ error: any Error) -> String {
        if let code = posixCode(error) { return posix(code) }
        let bridged = error as NSError
        if bridged.domain == NSCocoaErrorDomain { return cocoaReason(bridged.code) }
        if isFoundationDomain(bridged.domain) { return "system error \(bridged.code)" }
        return String(describing: error)
    }

    /// `strerror(code)`: "No such file or directory" for `ENOENT`.
    public static func posix(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The POSIX error number inside `error` (itself a POSIX error, or one found by following
    /// `NSUnderlyingErrorKey`), if any.
    static func posixCode(_ error: any Error) -> Int32? {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let bridged = error as NSError
        if bridged.domain == NSPOSIXErrorDomain { return Int32(truncatingIfNeeded: bridged.code) }
        guard isFoundationDomain(bridged.domain), let underlying = bridged.userInfo[NSUnderlyingErrorKey] as? any Error else { return nil }
        return posixCode(underlying)
    }

    private static func isFoundationDomain(_ domain: String) -> Bool {
        [NSCocoaErrorDomain, NSPOSIXErrorDomain, NSURLErrorDomain].contains(domain)
    }

    /// Foundation's file error codes that carry no POSIX error, in `strerror`'s words where one fits.
    private static func cocoaReason(_ code: Int) -> String {
        switch CocoaError.Code(rawValue: code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return posix(ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return posix(EACCES)
        case .fileWriteOutOfSpace: return posix(ENOSPC)
        case .fileWriteVolumeReadOnly: return posix(EROFS)
        case .fileWriteFileExists: return posix(EEXIST)
        case .fileReadTooLarge: return posix(EFBIG)
        case .fileReadCorruptFile: return "the file is corrupt"
        case .fileReadUnknown: return "it could not be read (is it a directory or a special file?)"
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "the text is not in the expected encoding"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "invalid file name"
        case .fileLocking: return "the file is locked"
        default: return "file system error \(code)"
        }
    }

    /// Whether `error` is Foundation's or the system's (its own text would show a domain and code).
    public static func isFoundation(_ error: any Error) -> Bool {
        error is POSIXError || error is CocoaError || type(of: error) is NSError.Type
    }
}
