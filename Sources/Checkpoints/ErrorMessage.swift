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

    /// The reason part of a Foundation or POSIX file error (the caller names the file).
    public static func reason(_ error: any Error) -> String {
        if let error = error as? CheckpointError { return error.description }
        if let error = error as? POSIXError { return posix(error.code.rawValue) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return posix(Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "No such file or directory"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "Permission denied"
            case NSFileReadInapplicableStringEncodingError: return "the file is not valid UTF-8 text"
            case NSFileReadTooLargeError: return "the file is too large to read"
            case NSFileWriteOutOfSpaceError: return "No space left on device"
            case NSFileWriteVolumeReadOnlyError: return "the file system is read-only"
            case NSFileWriteFileExistsError: return "the file already exists"
            case NSFileReadUnknownError: return "it could not be read (is it a directory or a special file?)"
            case NSFileWriteUnknownError: return "it could not be written"
            default: break
            }
        }
        return "the operation failed"
    }

    /// Whether `error` is Foundation's or the system's (its own text would show a domain and code).
    public static func isFoundation(_ error: any Error) -> Bool {
        error is POSIXError || error is CocoaError || type(of: error) is NSError.Type
    }

    private static func posix(_ code: Int32) -> String { String(cString: strerror(code)) }
}
