/// One Ogg page exactly as it goes on the wire, with the header fields the streaming side needs.
///
/// Ogg Opus granule positions count 48 kHz samples whatever the input rate (RFC 7845).
public struct OggPage: Sendable, Equatable {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count >= 27, bytes[0] == 0x4F, bytes[1] == 0x67, bytes[2] == 0x67, bytes[3] == 0x53 else { return nil }
        self.bytes = bytes
    }

    public var headerType: UInt8 { bytes[5] }
    public var isBeginningOfStream: Bool { headerType & 0x02 != 0 }
    public var isEndOfStream: Bool { headerType & 0x04 != 0 }
    /// −1 when no packet ends on this page.
    public var granulePosition: Int64 { Int64(bitPattern: littleEndian(at: 6, count: 8)) }
    public var serialNumber: UInt32 { UInt32(truncatingIfNeeded: littleEndian(at: 14, count: 4)) }
    public var sequenceNumber: UInt32 { UInt32(truncatingIfNeeded: littleEndian(at: 18, count: 4)) }
    /// The payload after the segment table.
    public var body: ArraySlice<UInt8> {
        let segments = Int(bytes[26])
        return bytes[(27 + segments)...]
    }
    /// The Opus ID or comment header page (RFC 7845 §5): the stream's first pages, which a
    /// listener joining late must receive before any audio page.
    public var isOpusHeader: Bool {
        let b = body
        guard b.count >= 8 else { return false }
        let magic = Array(b.prefix(8))
        return magic == Array("OpusHead".utf8) || magic == Array("OpusTags".utf8)
    }

    private func littleEndian(at offset: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<count).reversed() { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }

    /// Splits a byte stream into whole pages (a trailing partial page is left out); stops at
    /// anything that is not a page boundary.
    public static func split(_ data: [UInt8]) -> [OggPage] {
        var pages: [OggPage] = []
        var offset = 0
        while offset + 27 <= data.count {
            guard data[offset] == 0x4F, data[offset + 1] == 0x67, data[offset + 2] == 0x67, data[offset + 3] == 0x53 else { break }
            let segments = Int(data[offset + 26])
            guard offset + 27 + segments <= data.count else { break }
            var length = 27 + segments
            for i in 0..<segments { length += Int(data[offset + 27 + i]) }
            guard offset + length <= data.count, let page = OggPage(bytes: Array(data[offset..<(offset + length)])) else { break }
            pages.append(page)
            offset += length
        }
        return pages
    }
}
