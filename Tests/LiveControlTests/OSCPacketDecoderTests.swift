import LiveControl
import Testing

@Suite struct OSCPacketDecoderTests {
    typealias A = OSCEncoding.Argument

    /// Regression (fuzz-osc-packet, Fuzz/Corpus/fuzz-osc-packet/regression-int32-argument-last.osc):
    /// a 4-byte argument at the very end of a message was read as a whole 8-byte `lo_arg`, past
    /// the end of liblo's buffer (AddressSanitizer saw it; a plain build read stray bytes).
    @Test func numericArgumentLastIsReadExactly() throws {
        #expect(try OSCPacketDecoder.decode(OSCEncoding.message("/foo", [A.i(1)]))
                == [OSCMessage(address: "/foo", arguments: [.int32(1)])])
        #expect(try OSCPacketDecoder.decode(OSCEncoding.message("/x", [A.f(-2.5)])) == [OSCMessage(address: "/x", arguments: [.float(-2.5)])])
        #expect(try OSCPacketDecoder.decode(OSCEncoding.message("/x", [A.i(-7), A.h(1 << 40), A.d(0.1), A.s("é")]))
                == [OSCMessage(address: "/x", arguments: [.int32(-7), .int64(1 << 40), .double(0.1), .string(Array("é".utf8))])])
    }

    @Test func typeTagsAndOtherArguments() throws {
        let messages = try OSCPacketDecoder.decode(OSCEncoding.message("/omnibark/sfx", [A.blob([9, 9]), A.f(1)]))
        #expect(messages.first?.typeTags == ",bf")
        #expect(messages.first?.arguments.last == .float(1))
    }

    @Test func bundlesNestedTooDeeplyAreRefusedWithTheOffset() throws {
        var packet = OSCEncoding.message("/omnibark/beat")
        for _ in 0..<OSCPacketDecoder.maximumBundleDepth { packet = OSCEncoding.bundle([packet]) }
        #expect(try OSCPacketDecoder.decode(packet).map(\.address) == ["/omnibark/beat"])
        do {
            _ = try OSCPacketDecoder.decode(OSCEncoding.bundle([packet]))
            Issue.record("a bundle nested \(OSCPacketDecoder.maximumBundleDepth + 1) deep was accepted")
        } catch {
            // Eight bundle headers (16 bytes) and element sizes (4 bytes) in front of the ninth.
            #expect(error.reason == "byte 160: bundles nested deeper than 8")
        }
    }

    @Test func brokenPacketsNameTheByte() {
        let cut = Array(OSCEncoding.message("/omnibark/say", [A.s("cut short")]).dropLast(4))
        #expect(throws: OSCPacketDecoder.Failure.self) { try OSCPacketDecoder.decode(cut) }
        // The second element's size sits after the 16-byte header, 4 bytes of size and the 8-byte "/a" message.
        let badSize = OSCEncoding.bundle([OSCEncoding.message("/a")]) + OSCEncoding.bigEndian(Int32(6)) + [0, 0, 0, 0, 0, 0]
        do { _ = try OSCPacketDecoder.decode(badSize); Issue.record("element size 6 was accepted") } catch {
            #expect(error.reason.hasPrefix("byte 28: bundle element size 6 is not a positive multiple of 4"))
        }
    }
}
