import Foundation
import Testing
@testable import Checkpoints

/// `SafetensorsRawWriter` writes tensors of any element type that `SafetensorsFile` reads back byte
/// for byte, with metadata; a tensor whose bytes do not fit its shape is refused by name and leaves
/// no file behind.
@Suite struct SafetensorsRawWriterTests {
    @Test func roundTripsIntegerTensorsWithMetadata() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-raw-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes: [Int8] = [-127, 0, 5, 127, -3, 9]
        let halves: [UInt16] = [1, 65535, 300]
        let entries = [
            RawTensorEntry(name: "w", dtype: .int8, shape: [2, 3]) { body in try bytes.withUnsafeBytes { try body($0) } },
            RawTensorEntry(name: "a.half", dtype: .uint16, shape: [3]) { body in try halves.withUnsafeBytes { try body($0) } },
        ]
        try SafetensorsRawWriter.write(entries, metadata: ["key": "value"], to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.attributes["key"] == .string("value"))
        #expect(file.tensorInfos["w"] == TensorInfo(name: "w", dtype: .int8, shape: [2, 3]))
        #expect(file.tensorInfos["a.half"] == TensorInfo(name: "a.half", dtype: .uint16, shape: [3]))
        #expect(try file.withRawBytes("w") { Array($0) } == bytes.map { UInt8(bitPattern: $0) })
        #expect(try file.rawBytes("a.half") == halves.withUnsafeBytes { Array($0) })
        #expect(try file.floatTensor("w").scalars == bytes.map(Float.init))
    }

    @Test func wrongByteCountIsRefusedByName() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-raw-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let short: [Int8] = [1, 2, 3]
        let entry = RawTensorEntry(name: "short", dtype: .int8, shape: [2, 2]) { body in try short.withUnsafeBytes { try body($0) } }
        #expect { try SafetensorsRawWriter.write([entry], to: url) } throws: { error in
            String(describing: error).contains("tensor 'short' has 3 bytes, its shape [2, 2] needs 4")
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
