import Modalities

/// The decoder exactly as the engine builds it (default limits: 16384 px a side, 100 Mpx).
private let decoder = ImageDecoder()

/// One input = one PNG or JPEG image (chosen by its signature), decoded to RGB through the C
/// helper over libpng/libjpeg.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let image = try? decoder.decode(bytes, file: "fuzz.img") {
        precondition(image.pixels.count == image.width * image.height * 3, "decoded pixel count disagrees with the size")
    }
    return 0
}
