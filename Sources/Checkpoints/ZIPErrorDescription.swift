import ZIPFoundation

/// Turns ZIPFoundation's errors into words ("not a zip archive: no end-of-central-directory
/// record") instead of enum case names such as "missingEndOfCentralDirectoryRecord".
enum ZIPErrorDescription {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? Archive.ArchiveError else { return ErrorMessage.reason(error) }
        switch error {
        case .unreadableArchive: return "the archive cannot be read"
        case .unwritableArchive: return "the archive cannot be written"
        case .missingEndOfCentralDirectoryRecord: return "not a zip archive (no end-of-central-directory record)"
        case .invalidCentralDirectoryOffset, .invalidCentralDirectorySize, .invalidCentralDirectoryEntryCount:
            return "the zip central directory is damaged"
        case .invalidLocalHeaderDataOffset, .invalidLocalHeaderSize: return "a zip member header is damaged"
        case .invalidCompressionMethod: return "a member uses an unsupported compression method"
        case .invalidCRC32: return "a member's checksum (CRC-32) does not match its data"
        case .invalidEntrySize, .invalidBufferSize: return "a member's size is invalid"
        case .invalidEntryPath, .uncontainedSymlink: return "a member has an unsafe path"
        case .cancelledOperation: return "reading was stopped"
        @unknown default: return "the zip archive is damaged"
        }
    }
}
