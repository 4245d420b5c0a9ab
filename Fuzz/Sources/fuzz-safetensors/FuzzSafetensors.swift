import Checkpoints
import FuzzSupport

private let scratch = ScratchFile(pathExtension: "safetensors")

/// One input = one `.safetensors` file: the header is validated, then every tensor is read (as
/// floats and as raw bytes), then the file goes through `openCheckpoint`'s format sniffing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    scratch.write(data, count: size)
    if let file = try? SafetensorsFile(url: scratch.url) {
        for name in file.tensorInfos.keys.sorted() {
            _ = try? file.floatTensor(name)
            _ = try? file.rawBytes(name)
        }
    }
    _ = try? openCheckpoint(at: scratch.url)
    return 0
}
