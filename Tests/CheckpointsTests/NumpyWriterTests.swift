import Checkpoints
import Foundation
import Testing
import TestSupport

@Suite("NumpyWriter and NPZWriter")
struct NumpyWriterTests {
    @Test("every writable dtype round-trips through NumpyArray with a 64-byte aligned header")
    func roundTrip() throws {
        let values = [0, 1, -2, 300, 32767, -40000, 9999, 1023]
        for type in NumpyWriter.ElementType.allCases {
            let input = type == .uint16 ? values.map { abs($0) % 65536 } : values
            let bytes = try NumpyWriter.npyBytes(integers: input, shape: [2, 4], as: type)
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + headerLength) % 64 == 0)
            #expect(bytes[10 + headerLength - 1] == 0x0A)
            let array = try NumpyArray(npyBytes: bytes, file: "mem", item: type.rawValue)
            #expect(array.shape == [2, 4])
            if type == .float32 {
                #expect(array.floats() == input.map(Float.init))
            } else {
                #expect(try array.integers() == input)
            }
        }
        let floats: [Float] = [0.5, -1.25, 3e-8, .infinity]
        let array = try NumpyArray(npyBytes: try NumpyWriter.npyBytes(floats: floats, shape: [4]), file: "mem", item: "f")
        #expect(array.floats() == floats)
        let scalar = try NumpyArray(npyBytes: try NumpyWriter.npyBytes(integers: [7], shape: [], as: .int64), file: "mem", item: "s")
        #expect(scalar.shape == [])
        #expect(try scalar.integers() == [7])
    }

    @Test("bad shapes and values that do not fit the dtype are refused")
    func refusals() {
        #expect(throws: NumpyWriter.WriteError.shapeMismatch(shape: [2, 2], count: 3)) {
            try NumpyWriter.npyBytes(integers: [1, 2, 3], shape: [2, 2], as: .int64)
        }
        #expect(throws: NumpyWriter.WriteError.valueOutOfRange(index: 1, value: -1, type: .uint16)) {
            try NumpyWriter.npyBytes(integers: [1, -1], shape: [2], as: .uint16)
        }
        #expect(throws: NumpyWriter.WriteError.valueOutOfRange(index: 0, value: 1 << 40, type: .int32)) {
            try NumpyWriter.npyBytes(integers: [1 << 40], shape: [1], as: .int32)
        }
    }

    @Test("an npz written like np.savez reads back, and numpy reads both formats when installed")
    func npzRoundTripAndNumpy() throws {
        let directory = try FixturePaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try NumpyWriter.npyBytes(integers: [1, 2, 3, 4, 5, 6], shape: [2, 3], as: .int64)
        let b = try NumpyWriter.npyBytes(floats: [0.25, -0.5], shape: [2])
        let npz = directory.appendingPathComponent("out.npz")
        try NPZWriter.write(["a": a, "b": b], to: npz)
        let archive = try NPZArchive(url: npz)
        #expect(try archive.integers("a") == [1, 2, 3, 4, 5, 6])
        #expect(archive["a"]?.shape == [2, 3])
        #expect(archive["b"]?.floats() == [0.25, -0.5])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.npz"])

        let npy = directory.appendingPathComponent("a.npy")
        try NumpyWriter.write(a, to: npy)
        let script = """
        import sys, numpy as np
        a = np.load(sys.argv[1]); z = np.load(sys.argv[2])
        print(a.dtype, a.shape, a.tolist(), z['a'].tolist(), z['b'].dtype, z['b'].tolist())
        """
        guard let output = runPython(script, arguments: [npy.path, npz.path]) else {
            print("NumpyWriterTests: python3 with numpy not found; skipping the numpy cross-check")
            return
        }
        #expect(output == "int64 (2, 3) [[1, 2, 3], [4, 5, 6]] [[1, 2, 3], [4, 5, 6]] float32 [0.25, -0.5]\n")
    }

    @Test("a failed write leaves nothing under the final name and no temporary file")
    func atomicWrite() throws {
        let directory = try FixturePaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = try NumpyWriter.npyBytes(integers: [1], shape: [1], as: .int64)
        let missing = directory.appendingPathComponent("no-such-dir/out.npz")
        #expect(throws: CheckpointError.self) { try NPZWriter.write(["a": bytes], to: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        // The final name is occupied by a directory: the rename fails after the archive was built.
        let blocked = directory.appendingPathComponent("blocked.npz")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("child"), withIntermediateDirectories: false)
        #expect(throws: CheckpointError.self) { try NPZWriter.write(["a": bytes], to: blocked) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["blocked.npz"])
        #expect(throws: CheckpointError.self) { try NPZWriter.write(["a/b": bytes], to: directory.appendingPathComponent("x.npz")) }
    }

    /// Runs `python3 -c script args…`; nil when python3 or numpy is unavailable.
    private func runPython(_ script: String, arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        run.standardOutput = pipe
        guard (try? run.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        run.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
