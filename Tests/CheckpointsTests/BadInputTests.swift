import Checkpoints
import Foundation
import Tensors
import Testing
import TestSupport

/// Hostile and damaged files: each must throw a `CheckpointError` of the right case naming the file.
@Suite struct BadInputTests {
    // MARK: safetensors built on the fly

    /// A safetensors image with header `json` and `dataBytes` zero bytes of data.
    static func safetensors(_ json: String, dataBytes: Int, declaredLength: UInt64? = nil) -> [UInt8] {
        let header = Array(json.utf8)
        let length = declaredLength ?? UInt64(header.count)
        return NpyBuilder.littleEndian([length]) + header + [UInt8](repeating: 0, count: dataBytes)
    }

    static func open(_ bytes: [UInt8], _ name: String) throws -> (URL, () throws -> any TensorContainer) {
        let directory = try FixturePaths.temporaryDirectory()
        let url = try FixturePaths.write(bytes, named: name, in: directory)
        return (url, { try openCheckpoint(at: url) })
    }

    @Test func safetensorsOffsetsBeyondFile() throws {
        let (url, open) = try Self.open(Self.safetensors(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, dataBytes: 8), "beyond.safetensors")
        #expect(throws: CheckpointError.truncated(file: url.path, item: "tensor 'w'", offset: 0, needed: 16, available: 8)) { try open() }
    }

    @Test func safetensorsOverlappingTensors() throws {
        let json = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let (url, open) = try Self.open(Self.safetensors(json, dataBytes: 12), "overlap.safetensors")
        do { _ = try open(); Issue.record("opened") } catch let CheckpointError.malformed(file, item, _, reason) {
            #expect(file == url.path)
            #expect(item == "header entry 'b'")
            #expect(reason.contains("overlap"))
        }
    }

    @Test func safetensorsByteLengthNotShapeTimesWidth() throws {
        let json = #"{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}"#
        let (url, open) = try Self.open(Self.safetensors(json, dataBytes: 8), "length.safetensors")
        do { _ = try open(); Issue.record("opened") } catch let CheckpointError.malformed(file, item, _, _) {
            #expect(file == url.path && item == "header entry 'w'")
        }
    }

    @Test func safetensorsShapeOverflow() throws {
        let big = Int.max / 2
        let json = #"{"w":{"dtype":"F32","shape":[\#(big),4],"data_offsets":[0,8]}}"#
        let (_, open) = try Self.open(Self.safetensors(json, dataBytes: 8), "overflow.safetensors")
        #expect { try open() } throws: { error in
            if case CheckpointError.limitExceeded(_, let item, _, _) = error { return item.contains("'w'") }
            return false
        }
    }

    @Test func safetensorsHugeHeaderLength() throws {
        let (url, open) = try Self.open(Self.safetensors("{}", dataBytes: 0, declaredLength: 1 << 62), "huge.safetensors")
        #expect(throws: CheckpointError.limitExceeded(file: url.path, item: "header length", value: 1 << 62, limit: 2)) { try open() }
    }

    @Test func safetensorsNonJSON() throws {
        let (url, open) = try Self.open(Self.safetensors("{not json", dataBytes: 0), "bad.safetensors")
        #expect(throws: CheckpointError.malformed(file: url.path, item: "header", offset: 8, reason: "not valid JSON")) { try open() }
    }

    @Test func safetensorsUnknownDType() throws {
        let json = #"{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#
        let (url, open) = try Self.open(Self.safetensors(json, dataBytes: 1), "dtype.safetensors")
        #expect(throws: CheckpointError.unsupportedDType(file: url.path, tensor: "w", dtype: "F8_E4M3")) { try open() }
    }

    @Test func safetensorsMissingField() throws {
        let (_, open) = try Self.open(Self.safetensors(#"{"w":{"dtype":"F32","shape":[1]}}"#, dataBytes: 4), "field.safetensors")
        #expect { try open() } throws: { error in
            if case CheckpointError.malformed(_, "header entry 'w'", _, let reason) = error { return reason.contains("data_offsets") }
            return false
        }
    }

    @Test(arguments: [0, 5, 8, 20, 100, 800, 1000])
    func truncatedSafetensors(cut: Int) throws {
        let original = try Array(Data(contentsOf: FixturePaths.checkpoint("state.safetensors")))
        let (url, open) = try Self.open(Array(original.prefix(cut)), "cut\(cut).safetensors")
        do {
            let container = try open()
            for name in container.tensorInfos.keys { _ = try container.floatTensor(name) }
            Issue.record("cut at \(cut) opened")
        } catch let error as CheckpointError {
            switch error {
            case let .truncated(file, _, _, _, _), let .limitExceeded(file, _, _, _), let .unknownFormat(file, _):
                #expect(file == url.path)
                if cut < 8 { #expect(error == .unknownFormat(file: url.path, reason: error.unknownReason)) }
            default: Issue.record("cut at \(cut): unexpected \(error)")
            }
        }
    }

    // MARK: NumPy

    @Test func npzBombWithSmallDeclaredShape() throws {
        let url = FixturePaths.checkpoint("bomb_small_shape.npz")
        #expect { try NPZArchive(url: url) } throws: { error in
            guard case let CheckpointError.limitExceeded(file, item, value, limit) = error else { return false }
            // Stops within one 64 KiB chunk of the 144 bytes the header declares.
            return file == url.path && item.contains("bomb.npy") && limit == 144 && value <= 144 + 65_536
        }
    }

    @Test func npzBombWithAbsurdDeclaredShape() throws {
        let url = FixturePaths.checkpoint("bomb_absurd_shape.npz")
        #expect { try NPZArchive(url: url) } throws: { error in
            guard case let CheckpointError.limitExceeded(file, item, _, limit) = error else { return false }
            return file == url.path && item.contains("bomb.npy") && limit == NPZArchive.defaultMaxMemberBytes
        }
    }


    @Test func npyBigEndianRefused() {
        let bytes = NpyBuilder.bytes(descr: ">f4", shape: [1], data: [0, 0, 0, 0])
        #expect { try NumpyArray(npyBytes: bytes, file: "b.npy", item: "b.npy") } throws: { error in
            if case let CheckpointError.unsupportedDType("b.npy", "b.npy", dtype) = error { return dtype.contains("big-endian") }
            return false
        }
    }

    @Test func npyUnknownDTypeRefused() {
        let bytes = NpyBuilder.bytes(descr: "<c8", shape: [1], data: [UInt8](repeating: 0, count: 8))
        #expect(throws: CheckpointError.unsupportedDType(file: "c.npy", tensor: "c.npy", dtype: "<c8")) {
            try NumpyArray(npyBytes: bytes, file: "c.npy", item: "c.npy")
        }
    }

    @Test func npyWrongMagic() {
        var bytes = NpyBuilder.bytes(descr: "<f4", shape: [1], data: [0, 0, 0, 0])
        bytes[1] = UInt8(ascii: "X")
        #expect { try NumpyArray(npyBytes: bytes, file: "m.npy", item: "m.npy") } throws: { error in
            if case CheckpointError.unknownFormat("m.npy", _) = error { return true }
            return false
        }
    }

    @Test func npyDataLengthMismatch() {
        let short = NpyBuilder.bytes(descr: "<f4", shape: [3], data: [UInt8](repeating: 0, count: 8))
        #expect { try NumpyArray(npyBytes: short, file: "s.npy", item: "s.npy") } throws: { error in
            if case CheckpointError.truncated("s.npy", _, _, 12, 8) = error { return true }
            return false
        }
        let long = NpyBuilder.bytes(descr: "<f4", shape: [1], data: [UInt8](repeating: 0, count: 8))
        #expect { try NumpyArray(npyBytes: long, file: "l.npy", item: "l.npy") } throws: { error in
            if case CheckpointError.malformed("l.npy", _, _, _) = error { return true }
            return false
        }
    }

    @Test func npyHeaderThatIsNotAPlainDict() {
        for text in ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
                     "{'descr': '<f4', 'fortran_order': False}",
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
                     "__import__('os').system('ls')",
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}"] {
            let bytes = NpyBuilder.bytes(descr: "", shape: [], data: [0, 0, 0, 0], headerText: text)
            #expect(throws: CheckpointError.self, "\(text)") { try NumpyArray(npyBytes: bytes, file: "h.npy", item: "h.npy") }
        }
    }

    // MARK: format detection

    @Test func wrongMagicIsUnknownFormat() throws {
        let (url, open) = try Self.open(Array("GGUF and then some bytes".utf8), "weights.bin")
        #expect { try open() } throws: { error in
            if case let CheckpointError.unknownFormat(file, _) = error { return file == url.path }
            return false
        }
        let (emptyURL, openEmpty) = try Self.open([], "empty.bin")
        #expect { try openEmpty() } throws: { error in
            if case let CheckpointError.unknownFormat(file, _) = error { return file == emptyURL.path }
            return false
        }
    }

    @Test func missingFileIsUnreadable() {
        #expect { try openCheckpoint(at: URL(fileURLWithPath: "/nonexistent/x.safetensors")) } throws: { error in
            if case CheckpointError.unreadable("/nonexistent/x.safetensors", _) = error { return true }
            return false
        }
    }

    // MARK: truncation sweep

    /// Cuts every valid fixture at every 7th byte: opening and reading all tensors must either
    /// succeed or throw a `CheckpointError` naming the cut file — never crash.
    @Test(arguments: ["state.safetensors", "state_torch.bin", "state_suno.pt", "expected.npz", "dtypes.npz"])
    func truncationSweep(name: String) throws {
        let original = try Array(Data(contentsOf: FixturePaths.checkpoint(name)))
        let directory = try FixturePaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for cut in stride(from: 0, to: original.count, by: 7) {
            let url = try FixturePaths.write(Array(original.prefix(cut)), named: "cut-\(cut)-\(name)", in: directory)
            do {
                let container = try openCheckpoint(at: url)
                for tensor in container.tensorInfos.keys { _ = try container.floatTensor(tensor) }
            } catch let error as CheckpointError {
                #expect(error.description.hasPrefix(url.path), "cut \(cut): \(error)")
            } catch {
                Issue.record("cut \(cut) of \(name): non-CheckpointError \(error)")
            }
            try FileManager.default.removeItem(at: url)
        }
    }
}

extension CheckpointError {
    /// The reason of an `unknownFormat` error (empty otherwise); lets tests compare the case.
    var unknownReason: String {
        if case let .unknownFormat(_, reason) = self { return reason }
        return ""
    }
}
