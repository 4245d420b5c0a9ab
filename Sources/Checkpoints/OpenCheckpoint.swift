import Foundation

/// Opens a checkpoint of any supported format, chosen by the file's leading bytes (not its name):
///
/// - `PK\x03\x04` (zip): a PyTorch zip checkpoint (`TorchCheckpoint`) if it has a
///   `<prefix>/data.pkl` member, else an `.npz` (`NPZArchive`) if it has `.npy` members;
/// - an 8-byte little-endian length followed by `{`: safetensors (`SafetensorsFile`);
/// - `\x80` (a bare pickle): PyTorch's legacy pre-1.6 format, refused with advice to re-save;
/// - anything else: `CheckpointError.unknownFormat`.
///
/// Only the directory/header is read eagerly for safetensors and torch files (npz members are
/// small and read at once). The result may be shared across threads.
public func openCheckpoint(at url: URL) throws -> any TensorContainer {
    let file = try MappedFile(url: url)
    let path = file.path
    let head = try file.bytes(offset: 0, length: min(file.count, 9), item: "file signature")
    if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
        let directory = try ZipDirectory(file: file)
        if directory.names.contains(where: TorchCheckpoint.isDataPickle) {
            return try TorchCheckpoint(file: file)
        }
        if directory.names.contains(where: { $0.hasSuffix(".npy") }) {
            return try NPZArchive(url: url)
        }
        throw CheckpointError.unknownFormat(file: path, reason: "zip archive with neither a '<prefix>/data.pkl' member "
                                            + "(PyTorch) nor '.npy' members (NumPy .npz)")
    }
    if head.first == 0x80 {
        throw CheckpointError.unknownFormat(file: path, reason: "this is PyTorch's legacy (pre-1.6, non-zip) serialization, "
                                            + "which is not supported; re-save it with a modern torch: "
                                            + "torch.save(torch.load(path), path) (zip format is the default since 1.6)")
    }
    if head.count == 9, head[8] == UInt8(ascii: "{") {
        return try SafetensorsFile(file: file)
    }
    if head.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
        throw CheckpointError.unknownFormat(file: path, reason: "a single NumPy .npy array, not a checkpoint; read it with NumpyArray(contentsOf:)")
    }
    throw CheckpointError.unknownFormat(file: path, reason: "leading bytes match no supported format "
                                        + "(safetensors, PyTorch zip, NumPy .npz)")
}
