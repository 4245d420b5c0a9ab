import Foundation
import Tensors

/// A PyTorch zip checkpoint (`torch.save` since 1.6): Hugging Face `pytorch_model.bin` (a state
/// dict) or Suno's `text.pt`/`coarse.pt`/`fine.pt` (a dict with `model`, `model_args`, …).
///
/// The file is memory-mapped; `init` reads the zip central directory and runs `<prefix>/data.pkl`
/// through a restricted unpickler (nothing is executed; see `Unpickler`), then checks every tensor
/// view against its storage member `<prefix>/data/<key>`. Tensor bytes are read only by
/// `floatTensor`, so multi-gigabyte (ZIP64) files open quickly and in little memory.
///
/// Tensors come from the top-level dict when it holds tensors, otherwise from its `model` entry;
/// the other top-level entries become `attributes` (tensors inside them are skipped).
///
/// Thread safety: immutable after `init`; all methods may be called concurrently from any thread.
public final class TorchCheckpoint: TensorContainer {
    public let url: URL
    public var format: CheckpointFormat { .pytorchZip }
    public let tensorInfos: [String: TensorInfo]
    public let attributes: [String: CheckpointValue]

    private let file: MappedFile
    private let tensors: [String: TorchTensorRef]
    /// Absolute byte range of each storage's data, by storage key.
    private let storageRanges: [String: Range<Int>]

    /// Largest `data.pkl` accepted (real Bark pickles are well under 1 MiB).
    static let maxPickleBytes = 256 * 1024 * 1024

    /// Opens and validates the checkpoint at `url`. Throws `CheckpointError` naming the file and the
    /// member, tensor or pickle offset at fault (`forbiddenGlobal` for a hostile pickle).
    public convenience init(url: URL) throws {
        try self.init(file: try MappedFile(url: url))
    }

    init(file: MappedFile) throws {
        let path = file.path
        let directory = try ZipDirectory(file: file)
        guard let pickleName = directory.names.first(where: { Self.isDataPickle($0) }),
              let pickleMember = directory.members[pickleName] else {
            throw CheckpointError.unknownFormat(file: path, reason: "zip archive without a '<prefix>/data.pkl' member")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        if let order = directory.members[prefix + "byteorder"] {
            let text = String(decoding: try Self.storedBytes(order, directory, file), as: UTF8.self)
            guard text.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw CheckpointError.malformed(file: path, item: "zip member '\(prefix)byteorder'", offset: order.localHeaderOffset,
                                                reason: "byte order is '\(text)'; only little-endian checkpoints are supported "
                                                    + "(re-save it with torch on a little-endian machine)")
            }
        }
        let pickleSize = max(pickleMember.uncompressedSize, pickleMember.compressedSize)
        guard pickleSize <= Self.maxPickleBytes else {
            throw CheckpointError.limitExceeded(file: path, item: "size of \(pickleName)", value: pickleSize,
                                                limit: Self.maxPickleBytes)
        }
        var unpickler = Unpickler(bytes: try Self.storedBytes(pickleMember, directory, file), path: path)
        let root = try unpickler.load()

        let (tensorRefs, attributes) = try TorchStateDict.split(root, path: path)
        var storageRanges: [String: Range<Int>] = [:]
        // The first tensor (by name) naming each storage key; every other one must declare the
        // same storage, since the range located for the key is sized from that declaration.
        var storageDeclarations: [String: (tensor: String, storage: TorchStorageRef)] = [:]
        var infos: [String: TensorInfo] = [:]
        for (name, ref) in tensorRefs.sorted(by: { $0.key < $1.key }) {
            let key = ref.storage.key
            if let first = storageDeclarations[key] {
                try Self.checkSameStorage(first, (name, ref.storage), path: path)
            } else {
                storageDeclarations[key] = (name, ref.storage)
                storageRanges[key] = try Self.storageRange(ref.storage, prefix: prefix, directory: directory, path: path)
            }
            try TorchStateDict.validateView(ref, name: name, path: path)
            infos[name] = TensorInfo(name: name, dtype: ref.storage.dtype, shape: ref.shape)
        }
        self.url = file.url
        self.file = file
        self.tensors = tensorRefs
        self.storageRanges = storageRanges
        self.tensorInfos = infos
        self.attributes = attributes
    }

    /// Reads tensor `name` converted to `Float`, honouring its storage offset and strides; the
    /// result is contiguous row-major. Allocates one `[Float]` of the tensor's element count.
    public func floatTensor(_ name: String) throws -> Tensor {
        guard let ref = tensors[name], let range = storageRanges[ref.storage.key] else {
            throw CheckpointError.missingTensor(file: file.path, tensor: name)
        }
        let scalars = try file.withBytes(offset: range.lowerBound, length: range.count, item: "tensor '\(name)'") {
            ElementDecoding.strided($0, dtype: ref.storage.dtype, shape: ref.shape, strides: ref.strides,
                                    storageOffset: ref.storageOffset)
        }
        return Tensor(shape: ref.shape, scalars: scalars)
    }

    // MARK: - Helpers

    /// `data.pkl` directly under one top-level folder (`archive/data.pkl`, `pytorch_model/data.pkl`…).
    static func isDataPickle(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[1] == "data.pkl" && !parts[0].isEmpty
    }

    private static func storedBytes(_ member: ZipDirectory.Member, _ directory: ZipDirectory,
                                    _ file: MappedFile) throws -> [UInt8] {
        guard member.method == 0 else {
            throw CheckpointError.malformed(file: file.path, item: "zip member '\(member.name)'", offset: member.localHeaderOffset,
                                            reason: "compressed with method \(member.method); torch checkpoints store members uncompressed")
        }
        let range = try directory.dataRange(of: member)
        return try file.bytes(offset: range.lowerBound, length: range.count, item: "zip member '\(member.name)'")
    }

    /// Two tensors naming the same storage key must agree on its element type and count (torch
    /// always writes one declaration per storage); otherwise a view checked against one
    /// declaration could read past the bytes located for the other.
    private static func checkSameStorage(_ first: (tensor: String, storage: TorchStorageRef),
                                         _ other: (tensor: String, storage: TorchStorageRef), path: String) throws {
        guard first.storage.dtype != other.storage.dtype || first.storage.elementCount != other.storage.elementCount else { return }
        func describe(_ declaration: (tensor: String, storage: TorchStorageRef)) -> String {
            "\(declaration.storage.elementCount) \(declaration.storage.dtype.rawValue) elements by tensor '\(declaration.tensor)'"
        }
        throw CheckpointError.malformed(file: path, item: "storage '\(first.storage.key)'", offset: nil,
                                        reason: "declared as \(describe(first)) but as \(describe(other))")
    }

    /// Locates storage `data/<key>` and checks it holds `elementCount` elements.
    private static func storageRange(_ storage: TorchStorageRef, prefix: String, directory: ZipDirectory,
                                     path: String) throws -> Range<Int> {
        let name = prefix + "data/" + storage.key
        guard let member = directory.members[name] else {
            throw CheckpointError.malformed(file: path, item: "storage '\(storage.key)'", offset: nil,
                                            reason: "zip member '\(name)' is missing")
        }
        guard member.method == 0 else {
            throw CheckpointError.malformed(file: path, item: "zip member '\(name)'", offset: member.localHeaderOffset,
                                            reason: "compressed with method \(member.method); torch storages must be stored uncompressed")
        }
        guard storage.elementCount >= 0,
              let needed = SizeMath.byteCount([storage.elementCount], width: storage.dtype.byteWidth) else {
            throw CheckpointError.limitExceeded(file: path, item: "element count of storage '\(storage.key)'",
                                                value: storage.elementCount, limit: member.compressedSize / storage.dtype.byteWidth)
        }
        guard needed <= member.compressedSize else {
            throw CheckpointError.truncated(file: path, item: "storage '\(storage.key)' (\(name))", offset: member.localHeaderOffset,
                                            needed: needed, available: member.compressedSize)
        }
        let range = try directory.dataRange(of: member)
        return range.lowerBound..<(range.lowerBound + needed)
    }
}
