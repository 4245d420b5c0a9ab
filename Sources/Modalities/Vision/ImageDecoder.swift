import CImage
import Checkpoints
import Foundation

/// An 8-bit RGB picture, row-major, channels last (HWC): pixel `(x, y)` channel `c` is at
/// `(y * width + x) * 3 + c`.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width · height · 3` bytes.
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Why an image file could not be decoded. Every case names the file.
public enum ImageDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(file: String, reason: String)
    /// The bytes are neither PNG nor JPEG.
    case notAnImage(file: String)
    /// The file ends before the image does.
    case truncated(file: String, format: String, reason: String)
    /// The decoder rejected the data.
    case corrupt(file: String, format: String, reason: String)
    /// A valid image of a kind that is not converted (e.g. CMYK JPEG).
    case unsupported(file: String, format: String, reason: String)
    /// Width, height, pixel count or file size over the decoder's limits; refused before allocating.
    case tooLarge(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read image file: \(reason)"
        case let .notAnImage(file): return "\(file): not a PNG or JPEG image"
        case let .truncated(file, format, reason): return "\(file): truncated \(format): \(reason)"
        case let .corrupt(file, format, reason): return "\(file): corrupt \(format): \(reason)"
        case let .unsupported(file, format, reason): return "\(file): unsupported \(format): \(reason)"
        case let .tooLarge(file, reason): return "\(file): image too large: \(reason)"
        }
    }
}

extension ImageDecodingError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Decodes PNG and JPEG files to `RGBImage`, the way Pillow's `Image.open(path).convert("RGB")` does:
///
/// - PNG: any bit depth and colour type (grey, grey+alpha, palette, RGB, RGBA; interlaced or not).
///   Alpha and tRNS transparency are dropped, not composited. 16-bit samples keep their high byte
///   (Pillow does this for 16-bit RGB(A); for 16-bit grey Pillow clips to 255 instead, which this
///   decoder deliberately does not copy). Gamma and colour-profile chunks are ignored, as in Pillow.
/// - JPEG: baseline or progressive, YCbCr, RGB or greyscale, via libjpeg-turbo's default ISLOW IDCT
///   and fancy upsampling. CMYK/YCCK is refused. EXIF orientation is not applied.
///
/// Immutable and `Sendable`; decoding holds no shared state.
public struct ImageDecoder: Sendable {
    /// Largest width or height accepted.
    public let maxSide: Int
    /// Largest `width · height` accepted.
    public let maxPixels: Int
    /// Largest file accepted, in bytes.
    public let maxFileBytes: Int

    public init(maxSide: Int = 16_384, maxPixels: Int = 100_000_000, maxFileBytes: Int = 512 << 20) {
        precondition(maxSide > 0 && maxSide <= Int(UInt32.max) && maxPixels > 0 && maxFileBytes > 0)
        self.maxSide = maxSide
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }

    /// Reads and decodes the file at `url`.
    public func decode(contentsOf url: URL) throws -> RGBImage {
        let file = url.path
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw ImageDecodingError.unreadable(file: file, reason: ErrorMessage.reason(error))
        }
        if size > maxFileBytes {
            throw ImageDecodingError.tooLarge(file: file, reason: "file is \(size) bytes, over the limit of \(maxFileBytes)")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ImageDecodingError.unreadable(file: file, reason: ErrorMessage.reason(error))
        }
        return try decode(Array(data), file: file)
    }

    /// Decodes an image held in memory; `file` names it in errors.
    public func decode(_ bytes: [UInt8], file: String) throws -> RGBImage {
        if bytes.count > maxFileBytes {
            throw ImageDecodingError.tooLarge(file: file, reason: "data is \(bytes.count) bytes, over the limit of \(maxFileBytes)")
        }
        let format: String
        let decoder: (UnsafePointer<UInt8>?, Int, UInt32, UInt64, UnsafeMutablePointer<cimage_result>?) -> Void
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            format = "PNG"
            decoder = cimage_decode_png
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            format = "JPEG"
            decoder = cimage_decode_jpeg
        } else {
            throw ImageDecodingError.notAnImage(file: file)
        }
        var result = cimage_result()
        bytes.withUnsafeBufferPointer { buffer in
            decoder(buffer.baseAddress, buffer.count, UInt32(maxSide), UInt64(maxPixels), &result)
        }
        defer { cimage_free(result.pixels) }
        let message = withUnsafeBytes(of: result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch Int(result.status) {
        case Int(CIMAGE_OK):
            let width = Int(result.width), height = Int(result.height)
            guard let pixels = result.pixels else {
                throw ImageDecodingError.corrupt(file: file, format: format, reason: "decoder returned no pixels")
            }
            return RGBImage(width: width, height: height,
                            pixels: Array(UnsafeBufferPointer(start: pixels, count: width * height * 3)))
        case Int(CIMAGE_NOT_THIS_FORMAT): throw ImageDecodingError.notAnImage(file: file)
        case Int(CIMAGE_TRUNCATED): throw ImageDecodingError.truncated(file: file, format: format, reason: message)
        case Int(CIMAGE_UNSUPPORTED): throw ImageDecodingError.unsupported(file: file, format: format, reason: message)
        case Int(CIMAGE_TOO_LARGE): throw ImageDecodingError.tooLarge(file: file, reason: message)
        case Int(CIMAGE_OUT_OF_MEMORY): throw ImageDecodingError.tooLarge(file: file, reason: "out of memory: \(message)")
        default: throw ImageDecodingError.corrupt(file: file, format: format, reason: message)
        }
    }
}
