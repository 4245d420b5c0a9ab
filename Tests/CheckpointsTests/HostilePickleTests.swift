import Checkpoints
import Foundation
import Testing
import TestSupport

/// Writes a minimal stored zip (CRC left zero: the torch reader does not check it) for tests.
enum StoredZipBuilder {
    static func bytes(_ members: [(String, [UInt8])]) -> [UInt8] {
        func le(_ value: Int, _ width: Int) -> [UInt8] { (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, data) in members {
            let nameBytes = Array(name.utf8)
            let offset = out.count
            out += le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4)
                + le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + nameBytes + data
            central += le(0x0201_4b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4)
                + le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + le(0, 2)
                + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + nameBytes
        }
        let directoryOffset = out.count
        out += central
        out += le(0x0605_4b50, 4) + le(0, 2) + le(0, 2) + le(members.count, 2) + le(members.count, 2)
            + le(central.count, 4) + le(directoryOffset, 4) + le(0, 2)
        return out
    }

    /// A torch-zip layout `t/data.pkl` (+ optional storages `t/data/<key>`) written to a temp file.
    static func torchFile(pickle: [UInt8], storages: [String: [UInt8]] = [:]) throws -> URL {
        let members = [("t/data.pkl", pickle), ("t/version", Array("3\n".utf8))]
            + storages.sorted { $0.key < $1.key }.map { ("t/data/\($0.key)", $0.value) }
        return try FixturePaths.write(bytes(members), named: "t.pt", in: FixturePaths.temporaryDirectory())
    }
}

/// Pickle byte helpers (protocol 2 opcodes).
enum PickleBytes {
    static func string(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    /// `{name: _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', numel), offset, size, stride, False, OrderedDict())}`
    static func stateDict(name: String, numel: Int, offset: Int, size: [UInt8], stride: [UInt8]) -> [UInt8] {
        [0x80, 0x02, 0x7D] + string(name) + global("torch._utils", "_rebuild_tensor_v2")
            + [0x28, 0x28] + string("storage") + global("torch", "FloatStorage") + string("0") + string("cpu")
            + [0x4B, UInt8(numel), 0x74, 0x51] + [0x4B, UInt8(offset)] + size + stride
            + [0x89] + global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52, 0x73, 0x2E]
    }
}

@Suite struct HostilePickleTests {
    @Test func validHandWrittenStateDictReads() throws {
        // size (2,), stride (1,), offset 1 into a 3-element storage [1, 2, 3] → [2, 3]
        let pickle = PickleBytes.stateDict(name: "w", numel: 3, offset: 1, size: [0x4B, 2, 0x85], stride: [0x4B, 1, 0x85])
        let storage = [Float(1), 2, 3].flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
        let url = try StoredZipBuilder.torchFile(pickle: pickle, storages: ["0": storage])
        let checkpoint = try openCheckpoint(at: url)
        #expect(try checkpoint.floatTensor("w").scalars == [2, 3])
    }

    @Test func viewOutsideItsStorageIsRefused() throws {
        let pickle = PickleBytes.stateDict(name: "w", numel: 3, offset: 2, size: [0x4B, 2, 0x85], stride: [0x4B, 1, 0x85])
        let url = try StoredZipBuilder.torchFile(pickle: pickle, storages: ["0": [UInt8](repeating: 0, count: 12)])
        #expect { try openCheckpoint(at: url) } throws: { error in
            if case let CheckpointError.malformed(file, "tensor 'w'", _, _) = error { return file == url.path }
            return false
        }
    }

    @Test func storageShorterThanDeclaredIsRefused() throws {
        let pickle = PickleBytes.stateDict(name: "w", numel: 3, offset: 0, size: [0x4B, 3, 0x85], stride: [0x4B, 1, 0x85])
        let url = try StoredZipBuilder.torchFile(pickle: pickle, storages: ["0": [UInt8](repeating: 0, count: 8)])
        #expect { try openCheckpoint(at: url) } throws: { error in
            if case let CheckpointError.truncated(file, item, _, 12, 8) = error { return file == url.path && item.contains("storage '0'") }
            return false
        }
    }

    @Test func missingStorageMemberIsRefused() throws {
        let pickle = PickleBytes.stateDict(name: "w", numel: 3, offset: 0, size: [0x4B, 3, 0x85], stride: [0x4B, 1, 0x85])
        let url = try StoredZipBuilder.torchFile(pickle: pickle)
        #expect { try openCheckpoint(at: url) } throws: { error in
            if case let CheckpointError.malformed(_, "storage '0'", _, reason) = error { return reason.contains("t/data/0") }
            return false
        }
    }

    @Test func unsupportedOpcodeIsNamedWithItsOffset() throws {
        // PROTO 2, INST 'os system' (0x69) — an opcode a state dict never uses.
        let url = try StoredZipBuilder.torchFile(pickle: [0x80, 0x02, 0x69] + Array("os\nsystem\n".utf8) + [0x2E])
        #expect(throws: CheckpointError.unsupportedOpcode(file: url.path, opcode: 0x69, offset: 2)) { try openCheckpoint(at: url) }
    }

    @Test func forbiddenGlobalInsideAPersistentIdIsRefused() throws {
        let pickle = [0x80, 0x02, 0x7D] + PickleBytes.string("x") + PickleBytes.global("subprocess", "Popen") + [0x73, 0x2E]
        let url = try StoredZipBuilder.torchFile(pickle: pickle)
        #expect(throws: CheckpointError.forbiddenGlobal(file: url.path, module: "subprocess", name: "Popen", offset: 6)) {
            try openCheckpoint(at: url)
        }
    }

    @Test func selfReferencingListDoesNotRecurseForever() throws {
        // {'model': {}, 'args': L} where L = [L]: EMPTY_DICT, 'model', EMPTY_DICT, SETITEM, 'args',
        // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, SETITEM, STOP.
        let pickle = [0x80, 0x02, 0x7D] + PickleBytes.string("model") + [0x7D, 0x73] + PickleBytes.string("args")
            + [0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x73, 0x2E]
        let url = try StoredZipBuilder.torchFile(pickle: pickle)
        #expect { try openCheckpoint(at: url) } throws: { error in
            if case CheckpointError.limitExceeded = error { return true }
            return false
        }
    }

    /// Found by fuzz-torch: two tensors naming storage '0' with different element counts. The
    /// storage's bytes were located from one declaration and the other tensor's view checked
    /// against its own, so reading it ran past the storage (a trap in debug builds, an
    /// out-of-bounds read in release).
    @Test func storageDeclaredTwiceWithDifferentSizesIsRefused() throws {
        func tensor(_ name: String, numel: UInt8) -> [UInt8] {
            PickleBytes.string(name) + PickleBytes.global("torch._utils", "_rebuild_tensor_v2")
                + [0x28, 0x28] + PickleBytes.string("storage") + PickleBytes.global("torch", "FloatStorage")
                + PickleBytes.string("0") + PickleBytes.string("cpu") + [0x4B, numel, 0x74, 0x51]
                + [0x4B, 0x00, 0x4B, numel, 0x85, 0x4B, 0x01, 0x85, 0x89]
                + PickleBytes.global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52]
        }
        // {'a': 2-element view of storage '0' (2 elements), 'b': 4-element view of storage '0' (4 elements)}
        let pickle = [0x80, 0x02, 0x7D, 0x28] + tensor("a", numel: 2) + tensor("b", numel: 4) + [0x75, 0x2E]
        let url = try StoredZipBuilder.torchFile(pickle: pickle, storages: ["0": [UInt8](repeating: 0, count: 8)])
        #expect(throws: CheckpointError.malformed(file: url.path, item: "storage '0'", offset: nil,
                                                  reason: "declared as 2 float32 elements by tensor 'a' but as 4 float32 elements by tensor 'b'")) {
            try openCheckpoint(at: url)
        }
    }

    /// The input fuzz-torch found (Suno's layout, mutated), kept in the fuzz corpus.
    @Test func fuzzFoundStorageDeclaredTwiceIsRefused() throws {
        let url = FixturePaths.repositoryRoot.appendingPathComponent("Fuzz/Corpus/fuzz-torch/regression-storage-declared-twice.pt")
        #expect { try openCheckpoint(at: url) } throws: { error in
            if case let CheckpointError.malformed(file, "storage '1'", nil, reason) = error {
                return file == url.path && reason.contains("by tensor '_orig_mod.shared_a'")
            }
            return false
        }
    }

    /// A seed written for fuzz-torch: a 2^28-element view with stride 0 over a 1-element storage
    /// (as `expand()` makes). Reading it allocated 1 GiB from 4 stored bytes (and a larger size
    /// would abort the process).
    @Test func viewLargerThanItsStorageIsRefused() throws {
        let size: [UInt8] = [0x4A, 0x00, 0x00, 0x00, 0x10, 0x85] // BININT 1 << 28, TUPLE1
        let pickle = PickleBytes.stateDict(name: "w", numel: 1, offset: 0, size: size, stride: [0x4B, 0, 0x85])
        let url = try StoredZipBuilder.torchFile(pickle: pickle, storages: ["0": [0, 0, 0, 0]])
        #expect { try openCheckpoint(at: url) } throws: { error in
            if case let CheckpointError.malformed(file, "tensor 'w'", nil, reason) = error {
                return file == url.path && reason.contains("larger than storage '0' of 1")
            }
            return false
        }
    }

    /// A seed written for fuzz-torch: T0 = (), T(k+1) = (Tk, Tk) for 60 levels through the memo,
    /// as a non-tensor entry. Under the depth limit, but converting it visited 2^60 values (a hang).
    @Test(.timeLimit(.minutes(1))) func sharedSubobjectTreeIsRefused() throws {
        var pickle = [0x80, 0x02, 0x7D] + PickleBytes.string("model") + [0x7D, 0x73] + PickleBytes.string("args")
            + [0x29, 0x71, 0x00] // EMPTY_TUPLE, BINPUT 0
        for level in 0..<60 { pickle += [0x68, UInt8(level), 0x86, 0x71, UInt8(level + 1)] } // BINGET k, TUPLE2, BINPUT k+1
        pickle += [0x73, 0x2E]
        let url = try StoredZipBuilder.torchFile(pickle: pickle)
        #expect { try openCheckpoint(at: url) } throws: { error in
            if case let CheckpointError.limitExceeded(file, item, _, limit) = error {
                return file == url.path && item.contains("values in the non-tensor entries") && limit == 1 << 16
            }
            return false
        }
    }

    @Test func stackAndMemoAbuseFailsCleanly() throws {
        let cases: [[UInt8]] = [
            [0x80, 0x02, 0x2E],                   // STOP on an empty stack
            [0x80, 0x02, 0x68, 0x05, 0x2E],       // BINGET of an unset memo slot
            [0x80, 0x02, 0x73, 0x2E],             // SETITEM with nothing on the stack
            [0x80, 0x02, 0x4B, 0x01, 0x52, 0x2E], // REDUCE of an int
            [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F], // BINUNICODE longer than the file
            [0x80, 0x02, 0x28, 0x65, 0x2E],       // APPENDS with no list
            [0x80, 0x02, 0x4B, 0x01, 0x2E],       // top level is not a dict
        ]
        for pickle in cases {
            let url = try StoredZipBuilder.torchFile(pickle: pickle)
            #expect(throws: CheckpointError.self, "\(pickle)") { try openCheckpoint(at: url) }
        }
    }
}
