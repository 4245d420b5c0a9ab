import Checkpoints
import Foundation
import Tensors
import Testing
import TestSupport

/// Builds `.npy` byte images in the layout NumPy writes (for tests only).
enum NpyBuilder {
    static func bytes(descr: String, shape: [Int], data: [UInt8], fortran: Bool = false, version: UInt8 = 1,
                      headerText: String? = nil) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = headerText ?? "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let lengthWidth = version == 1 ? 2 : 4
        let unpadded = 8 + lengthWidth + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let length = text.utf8.count
        for i in 0..<lengthWidth { out.append(UInt8(truncatingIfNeeded: length >> (8 * i))) }
        return out + Array(text.utf8) + data
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    }
}

@Suite struct NumpyTests {
    @Test func deflatedNpzWithEveryDType() throws {
        let npz = try NPZArchive(url: FixturePaths.checkpoint("dtypes.npz"))
        #expect(npz.format == .npz)
        #expect(npz.arrays.count == 14)
        #expect(npz["f4"]?.shape == [2, 2])
        #expect(npz["f4"]?.floats() == [1.5, -2.25, 3.0, 4.125])
        #expect(npz["f8"]?.floats() == [Float(1e-3), -2.5, 1e10])
        #expect(npz["f2"]?.floats() == [0.5, -1.0, 65504.0])
        #expect(try npz.integers("i8") == [-(1 << 40), 0, 1 << 40])
        #expect(try npz.integers("i4") == [-7, 8, 9])
        #expect(npz["i4"]?.shape == [1, 3])
        #expect(try npz.integers("i2") == [-300, 300])
        #expect(try npz.integers("i1") == [-128, 127])
        #expect(try npz.integers("u1") == [0, 255])
        #expect(try npz.integers("u2") == [65535, 1])
        #expect(try npz.integers("u4") == [4_000_000_000, 2])
        #expect(try npz.integers("u8") == [1 << 40, 3])
        #expect(try npz.integers("b1") == [1, 0, 1])
        #expect(npz["b1"]?.dtype == .bool)
        let scalar = try npz.floatTensor("scalar")
        #expect(scalar.shape == [] && scalar.scalars == [2.5])
        #expect(try npz.floatTensor("empty").shape == [0, 3])
        #expect(npz.tensorInfos["u4"] == TensorInfo(name: "u4", dtype: .uint32, shape: [2]))
    }

    @Test func integersRefusesFloatArrays() throws {
        let npz = try NPZArchive(url: FixturePaths.checkpoint("dtypes.npz"))
        #expect(throws: CheckpointError.self) { try npz.integers("f4") }
        do {
            _ = try npz.integers("f8")
        } catch let CheckpointError.unsupportedDType(_, tensor, _) {
            #expect(tensor == "f8")
        }
    }

    @Test(arguments: ["en_speaker_0", "en_speaker_6", "de_speaker_3", "zh_speaker_1"])
    func realBarkVoicePresets(name: String) throws {
        let url = FixturePaths.barkPrompts.appendingPathComponent("v2/\(name).npz")
        let npz = try NPZArchive(url: url)
        let semantic = try #require(npz["semantic_prompt"])
        let coarse = try #require(npz["coarse_prompt"])
        let fine = try #require(npz["fine_prompt"])
        #expect(semantic.dtype == .int64 && coarse.dtype == .int64 && fine.dtype == .int32)
        #expect(semantic.shape.count == 1)
        #expect(coarse.shape.count == 2 && coarse.shape[0] == 2)
        #expect(fine.shape == [8, coarse.shape[1]])
        let ratio = Double(coarse.shape[1]) / Double(semantic.shape[0])
        #expect(abs(ratio - 1.5) < 0.05)
        #expect(try semantic.integers().allSatisfy { (0..<10_000).contains($0) })
        let coarseIDs = try coarse.integers()
        let fineIDs = try fine.integers()
        #expect(coarseIDs.allSatisfy { (0..<1024).contains($0) })
        #expect(fineIDs.allSatisfy { (0..<1024).contains($0) })
        // Rows 0–1 of the fine prompt repeat the coarse prompt.
        #expect(Array(fineIDs.prefix(coarseIDs.count)) == coarseIDs)
        #expect(try openCheckpoint(at: url) is NPZArchive)
    }

    @Test func knownPresetShape() throws {
        let npz = try NPZArchive(url: FixturePaths.barkPrompts.appendingPathComponent("v2/en_speaker_6.npz"))
        #expect(npz["semantic_prompt"]?.shape == [309])
        #expect(npz["coarse_prompt"]?.shape == [2, 464])
        #expect(npz["fine_prompt"]?.shape == [8, 464])
    }

    @Test(arguments: [UInt8(1), 2, 3])
    func npyHeaderVersions(version: UInt8) throws {
        let data = NpyBuilder.littleEndian([Int32(-1), 2, 3, 4, 5, 6])
        let bytes = NpyBuilder.bytes(descr: "<i4", shape: [2, 3], data: data, version: version)
        let array = try NumpyArray(npyBytes: bytes, file: "mem", item: "a.npy")
        #expect(array.shape == [2, 3])
        #expect(try array.integers() == [-1, 2, 3, 4, 5, 6])
        #expect(array.tensor() == Tensor(shape: [2, 3], scalars: [-1, 2, 3, 4, 5, 6]))
    }

    @Test func npyFileFromDisk() throws {
        let directory = try FixturePaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = NpyBuilder.littleEndian([Float(0.25).bitPattern, Float(-8).bitPattern])
        let url = try FixturePaths.write(NpyBuilder.bytes(descr: "<f4", shape: [2], data: data), named: "x.npy", in: directory)
        let array = try NumpyArray(contentsOf: url)
        #expect(array.dtype == .float32)
        #expect(array.floats() == [0.25, -8])
        #expect(array.elementCount == 2)
    }
}

@Suite struct NumpyFortranOrderTests {
    /// Bark's presets store `coarse_prompt` in Fortran order; it must come out row-major.
    @Test func fortranOrderIsReorderedToRowMajor() throws {
        // Row-major [[0, 1, 2], [3, 4, 5]] stored column-major: 0 3 1 4 2 5.
        let data = NpyBuilder.littleEndian([Int16(0), 3, 1, 4, 2, 5])
        let bytes = NpyBuilder.bytes(descr: "<i2", shape: [2, 3], data: data, fortran: true)
        let array = try NumpyArray(npyBytes: bytes, file: "f.npy", item: "f.npy")
        #expect(array.shape == [2, 3])
        #expect(try array.integers() == [0, 1, 2, 3, 4, 5])
    }

    @Test func fortranOrderRank3() throws {
        // shape (2, 2, 2): element [i,j,k] = 4i + 2j + k; Fortran offset = i + 2j + 4k.
        var stored = [Int32](repeating: 0, count: 8)
        for i in 0..<2 { for j in 0..<2 { for k in 0..<2 { stored[i + 2 * j + 4 * k] = Int32(4 * i + 2 * j + k) } } }
        let bytes = NpyBuilder.bytes(descr: "<i4", shape: [2, 2, 2], data: NpyBuilder.littleEndian(stored), fortran: true)
        #expect(try NumpyArray(npyBytes: bytes, file: "f.npy", item: "f.npy").integers() == Array(0..<8))
    }
}
