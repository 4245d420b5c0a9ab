import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The reason part of a failed file operation, worded as `strerror` words it ("Permission denied",
/// "Not a directory", "No space left on device"), for messages of the form "cannot create directory
/// /x/y: Permission denied".
///
/// Foundation's file errors print as "The operation could not be completed. (NSCocoaErrorDomain
/// error 512.)" or an `Error Domain=…` dump; the POSIX error they carry (`NSUnderlyingErrorKey`) is
/// what a user can act on, so that is what this returns. Errors that are not Foundation's (the
/// package's own error enums) are described by their `description`.
///
/// Pure and thread-safe.
public enum FileErrorReason {
    /// The reason `error` happened, without the path (callers name the path themselves).
    public static func describe(_ error: any Error) -> String {
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
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "the text is not in the expected encoding"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "invalid file name"
        case .fileLocking: return "the file is locked"
        default: return "file system error \(code)"
        }
    }
}
