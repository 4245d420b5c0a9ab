import Bark
import Checkpoints
import Foundation
import FuzzSupport

private let scratch = ScratchFile(pathExtension: "npz")

/// One input is tried both ways: as a `.npy` image (`NumpyArray(npyBytes:)`, then its elements as
/// floats and integers) and as an `.npz` archive (`NPZArchive`, every member as floats and
/// integers, then the same file as a Bark `VoicePreset`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let array = try? NumpyArray(npyBytes: bytes, file: "fuzz.npy", item: "fuzz.npy") {
        _ = array.floats()
        _ = try? array.integers()
    }
    scratch.write(data, count: size)
    if let archive = try? NPZArchive(url: scratch.url) {
        for name in archive.arrays.keys.sorted() {
            _ = try? archive.floatTensor(name)
            _ = try? archive.integers(name)
        }
    }
    _ = try? VoicePreset(npz: scratch.url)
    return 0
}
