import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OSC 1.0 encoding written for the tests (independent of liblo, so the server's decoder is
/// checked against a second implementation) and a UDP socket that sends datagrams to 127.0.0.1.
enum OSCEncoding {
    enum Argument {
        case i(Int32), h(Int64), f(Float), d(Double), s(String), rawString([UInt8]), blob([UInt8])

        var tag: UInt8 {
            switch self {
            case .i: return UInt8(ascii: "i")
            case .h: return UInt8(ascii: "h")
            case .f: return UInt8(ascii: "f")
            case .d: return UInt8(ascii: "d")
            case .s, .rawString: return UInt8(ascii: "s")
            case .blob: return UInt8(ascii: "b")
            }
        }
    }

    /// A NUL-terminated string padded with NULs to a multiple of 4 bytes.
    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes + [0]
        while out.count % 4 != 0 { out.append(0) }
        return out
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// One OSC message.
    static func message(_ address: String, _ arguments: [Argument] = []) -> [UInt8] {
        var out = padded(Array(address.utf8))
        out += padded([UInt8(ascii: ",")] + arguments.map(\.tag))
        for argument in arguments {
            switch argument {
            case let .i(value): out += bigEndian(value)
            case let .h(value): out += bigEndian(value)
            case let .f(value): out += bigEndian(value.bitPattern)
            case let .d(value): out += bigEndian(value.bitPattern)
            case let .s(text): out += padded(Array(text.utf8))
            case let .rawString(bytes): out += padded(bytes)
            case let .blob(bytes):
                out += bigEndian(Int32(bytes.count)) + bytes
                while out.count % 4 != 0 { out.append(0) }
            }
        }
        return out
    }

    /// A bundle (time tag "immediately") of already encoded elements.
    static func bundle(_ elements: [[UInt8]]) -> [UInt8] {
        var out = padded(Array("#bundle".utf8)) + bigEndian(UInt64(1))
        for element in elements { out += bigEndian(Int32(element.count)) + element }
        return out
    }
}

/// A UDP socket that sends datagrams to 127.0.0.1:`port`.
///
/// Thread safety: none needed; each test owns its client and uses it from one task.
final class UDPTestClient {
    private let descriptor: Int32
    private var destination = sockaddr_in()

    init(port: Int) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        destination.sin_family = sa_family_t(AF_INET)
        destination.sin_port = UInt16(port).bigEndian
        destination.sin_addr.s_addr = inet_addr("127.0.0.1")
    }

    deinit { _ = close(descriptor) }

    /// Sends one datagram; true when the system took all of it.
    @discardableResult
    func send(_ datagram: [UInt8]) -> Bool {
        let sent = datagram.withUnsafeBytes { bytes in
            withUnsafePointer(to: &destination) { address in
                address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent == datagram.count
    }
}
