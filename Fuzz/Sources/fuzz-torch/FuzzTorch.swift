import Checkpoints
import FuzzSupport

private let scratch = ScratchFile(pathExtension: "pt")

/// One input = one PyTorch zip checkpoint: the zip directory, `data.pkl` (restricted unpickler)
/// and every tensor view are validated, then every tensor is read as floats. (`openCheckpoint`'s
/// sniffing is fuzzed by fuzz-safetensors; here it would only parse each input twice.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    scratch.write(data, count: size)
    if let checkpoint = try? TorchCheckpoint(url: scratch.url) {
        for name in checkpoint.tensorInfos.keys.sorted() {
            _ = try? checkpoint.floatTensor(name)
        }
        _ = checkpoint.attributes
    }
    return 0
}
