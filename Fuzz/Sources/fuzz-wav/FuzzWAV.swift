import Foundation
import Audio

/// One input = one WAV file image, decoded in memory by `WAVReader.read(_:file:)`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? WAVReader.read(Data(bytes: data, count: size), file: "fuzz.wav")
    return 0
}
