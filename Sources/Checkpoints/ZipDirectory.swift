import Foundation

/// The central directory of a ZIP archive read straight from a memory-mapped file (ZIP64 aware).
///
/// Used for PyTorch checkpoints, whose members are stored uncompressed and are read in place at
/// their data offset (ZIPFoundation does not expose that offset). Only metadata is parsed here;
/// member data is located on demand with `dataRange(of:)`.
struct ZipDirectory {
    /// One member as recorded in the central directory.
    struct Member {
        let name: String
        /// 0 = stored, 8 = deflated, …
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    let members: [String: Member]
    /// Member names in central-directory order.
    let names: [String]
    private let file: MappedFile

    private static let eocdSignature: UInt64 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt64 = 0x0706_4b50
    private static let zip64EOCDSignature: UInt64 = 0x0606_4b50
    private static let centralSignature: UInt64 = 0x0201_4b50
    private static let localSignature: UInt64 = 0x0403_4b50

    init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        let eocd = try Self.findEndOfCentralDirectory(file)
        var entryCount = Int(try file.uintLE(offset: eocd + 10, width: 2, item: "zip end record"))
        var directorySize = Int(try file.uintLE(offset: eocd + 12, width: 4, item: "zip end record"))
        var directoryOffset = Int(try file.uintLE(offset: eocd + 16, width: 4, item: "zip end record"))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record.
            let locator = eocd - 20
            guard locator >= 0, try file.uintLE(offset: locator, width: 4, item: "zip64 locator") == Self.zip64LocatorSignature else {
                throw CheckpointError.malformed(file: path, item: "zip64 end locator", offset: max(0, locator),
                                                reason: "missing although the end record needs it")
            }
            let record = try Self.int(file, locator + 8, 8, "zip64 locator")
            guard try file.uintLE(offset: record, width: 4, item: "zip64 end record") == Self.zip64EOCDSignature else {
                throw CheckpointError.malformed(file: path, item: "zip64 end record", offset: record, reason: "bad signature")
            }
            entryCount = try Self.int(file, record + 32, 8, "zip64 end record")
            directorySize = try Self.int(file, record + 40, 8, "zip64 end record")
            directoryOffset = try Self.int(file, record + 48, 8, "zip64 end record")
        }
        try file.checkRange(offset: directoryOffset, length: directorySize, item: "zip central directory")
        // Each central record is at least 46 bytes: a lying count cannot make us loop for long.
        guard entryCount <= directorySize / 46 else {
            throw CheckpointError.malformed(file: path, item: "zip central directory", offset: directoryOffset,
                                            reason: "\(entryCount) entries cannot fit in \(directorySize) bytes")
        }
        var members: [String: Member] = [:]
        var names: [String] = []
        var cursor = directoryOffset
        let end = directoryOffset + directorySize
        for _ in 0..<entryCount {
            let (member, next) = try Self.readCentralRecord(file, at: cursor, limit: end)
            if members[member.name] == nil { names.append(member.name) }
            members[member.name] = member
            cursor = next
        }
        self.members = members
        self.names = names
    }

    /// The absolute byte range of `member`'s (stored) data, located through its local header and
    /// checked to lie inside the file.
    func dataRange(of member: Member) throws -> Range<Int> {
        let item = "zip member '\(member.name)'"
        let local = member.localHeaderOffset
        guard member.method != 0 || member.compressedSize == member.uncompressedSize else {
            throw CheckpointError.malformed(file: file.path, item: item, offset: local,
                                            reason: "stored member with compressed size \(member.compressedSize) ≠ size \(member.uncompressedSize)")
        }
        guard try file.uintLE(offset: local, width: 4, item: item) == Self.localSignature else {
            throw CheckpointError.malformed(file: file.path, item: item, offset: local, reason: "bad local header signature")
        }
        let nameLength = Int(try file.uintLE(offset: local + 26, width: 2, item: item))
        let extraLength = Int(try file.uintLE(offset: local + 28, width: 2, item: item))
        let start = local + 30 + nameLength + extraLength
        try file.checkRange(offset: start, length: member.compressedSize, item: item)
        return start..<(start + member.compressedSize)
    }

    private static func int(_ file: MappedFile, _ offset: Int, _ width: Int, _ item: String) throws -> Int {
        let value = try file.uintLE(offset: offset, width: width, item: item)
        guard value <= UInt64(Int.max) else {
            throw CheckpointError.malformed(file: file.path, item: item, offset: offset, reason: "value \(value) out of range")
        }
        return Int(value)
    }

    private static func findEndOfCentralDirectory(_ file: MappedFile) throws -> Int {
        guard file.count >= 22 else {
            throw CheckpointError.truncated(file: file.path, item: "zip end record", offset: 0, needed: 22, available: file.count)
        }
        let lowest = max(0, file.count - 22 - 0xFFFF)
        return try file.withBytes(offset: lowest, length: file.count - lowest, item: "zip end record") { bytes in
            var position = bytes.count - 22
            while position >= 0 {
                if bytes[position] == 0x50, bytes[position + 1] == 0x4b, bytes[position + 2] == 5, bytes[position + 3] == 6 {
                    return lowest + position
                }
                position -= 1
            }
            throw CheckpointError.malformed(file: file.path, item: "zip end record", offset: nil,
                                            reason: "no end-of-central-directory signature (truncated or not a zip)")
        }
    }

    private static func readCentralRecord(_ file: MappedFile, at offset: Int, limit: Int) throws -> (Member, Int) {
        let item = "zip central directory entry"
        guard offset + 46 <= limit else {
            throw CheckpointError.truncated(file: file.path, item: item, offset: offset, needed: 46, available: max(0, limit - offset))
        }
        return try file.withBytes(offset: offset, length: 46, item: item) { header -> (Member, Int) in
            guard LittleEndian.uint(header, at: 0, width: 4) == centralSignature else {
                throw CheckpointError.malformed(file: file.path, item: item, offset: offset, reason: "bad signature")
            }
            let method = UInt16(LittleEndian.uint(header, at: 10, width: 2))
            var compressed = LittleEndian.uint(header, at: 20, width: 4)
            var uncompressed = LittleEndian.uint(header, at: 24, width: 4)
            let nameLength = Int(LittleEndian.uint(header, at: 28, width: 2))
            let extraLength = Int(LittleEndian.uint(header, at: 30, width: 2))
            let commentLength = Int(LittleEndian.uint(header, at: 32, width: 2))
            var localOffset = LittleEndian.uint(header, at: 42, width: 4)
            let next = offset + 46 + nameLength + extraLength + commentLength
            guard next <= limit else {
                throw CheckpointError.truncated(file: file.path, item: item, offset: offset,
                                                needed: next - offset, available: limit - offset)
            }
            let nameBytes = try file.bytes(offset: offset + 46, length: nameLength, item: item)
            let name = String(decoding: nameBytes, as: UTF8.self)
            // ZIP64 extended information (id 1): present fields are those saturated above, in order.
            let extra = try file.bytes(offset: offset + 46 + nameLength, length: extraLength, item: "zip extra field of '\(name)'")
            var cursor = 0
            while cursor + 4 <= extra.count {
                let id = LittleEndian.uint(extra, at: cursor, width: 2)
                let size = Int(LittleEndian.uint(extra, at: cursor + 2, width: 2))
                let body = cursor + 4
                guard body + size <= extra.count else { break }
                if id == 1 {
                    var field = body
                    func take() -> UInt64? {
                        guard field + 8 <= body + size else { return nil }
                        defer { field += 8 }
                        return LittleEndian.uint(extra, at: field, width: 8)
                    }
                    if uncompressed == 0xFFFF_FFFF, let v = take() { uncompressed = v }
                    if compressed == 0xFFFF_FFFF, let v = take() { compressed = v }
                    if localOffset == 0xFFFF_FFFF, let v = take() { localOffset = v }
                }
                cursor = body + size
            }
            let bound = UInt64(file.count)
            guard compressed <= bound, localOffset <= bound, uncompressed <= UInt64(Int.max) else {
                throw CheckpointError.malformed(file: file.path, item: "zip member '\(name)'", offset: offset,
                                                reason: "sizes or offset point beyond the file")
            }
            let member = Member(name: name, method: method, compressedSize: Int(compressed),
                                uncompressedSize: Int(uncompressed), localHeaderOffset: Int(localOffset))
            return (member, next)
        }
    }
}
