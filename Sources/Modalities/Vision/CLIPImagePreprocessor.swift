import Tensors

/// CLIP's image preprocessing, as transformers' `CLIPImageProcessorPil` does it (the processor
/// `AutoImageProcessor` returns when torchvision is absent, and the one CLIP was trained with):
///
/// 1. resize so the shortest side is `shortestEdge`, the other side `Int(shortestEdge · long / short)`,
///    with Pillow's bicubic filter (a = −0.5, support widened by the downscale factor, i.e.
///    antialiased), horizontal pass then vertical, each rounded to `UInt8` in Pillow's 22-bit fixed
///    point; a side that does not change is not resampled;
/// 2. centre crop `cropSize × cropSize` (offsets `(extent − crop) / 2`, rounded down);
/// 3. `x / 255` (in `Double`, then `Float`), then `(x − mean) / std` in `Float`;
/// 4. channels first: `[3, cropSize, cropSize]`.
///
/// Immutable and `Sendable`.
public struct CLIPImagePreprocessor: Sendable {
    /// OpenAI CLIP's per-channel mean (transformers' `OPENAI_CLIP_MEAN`).
    public static let openAIMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    /// OpenAI CLIP's per-channel standard deviation (`OPENAI_CLIP_STD`).
    public static let openAIStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    public let shortestEdge: Int
    public let cropSize: Int
    public let mean: [Float]
    public let std: [Float]

    /// - Precondition: `0 < cropSize ≤ shortestEdge`, three means and three non-zero stds.
    public init(shortestEdge: Int = 224, cropSize: Int? = nil,
                mean: [Float] = CLIPImagePreprocessor.openAIMean, std: [Float] = CLIPImagePreprocessor.openAIStd) {
        let crop = cropSize ?? shortestEdge
        precondition(shortestEdge > 0 && crop > 0 && crop <= shortestEdge, "crop \(crop) must fit in shortest edge \(shortestEdge)")
        precondition(mean.count == 3 && std.count == 3 && !std.contains(0), "mean and std need three channels")
        self.shortestEdge = shortestEdge
        self.cropSize = crop
        self.mean = mean
        self.std = std
    }

    /// The preprocessing for a vision tower's configuration (`image_size` for both resize and crop).
    public init(configuration: CLIPVisionConfiguration) {
        self.init(shortestEdge: configuration.imageSize)
    }

    /// The size (width, height) that step 1 resizes `width × height` to.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let short = min(width, height), long = max(width, height)
        let newLong = Int(Double(shortestEdge * long) / Double(short))
        return width <= height ? (shortestEdge, newLong) : (newLong, shortestEdge)
    }

    /// Steps 1 and 2: the resized, centre-cropped `UInt8` picture.
    public func resizedAndCropped(_ image: RGBImage) -> RGBImage {
        let size = resizedSize(width: image.width, height: image.height)
        let resized = PillowBicubic.resize(image, width: size.width, height: size.height)
        let top = (resized.height - cropSize) / 2, left = (resized.width - cropSize) / 2
        var out = [UInt8](repeating: 0, count: cropSize * cropSize * 3)
        for y in 0..<cropSize {
            let source = ((top + y) * resized.width + left) * 3
            out.replaceSubrange((y * cropSize * 3)..<((y + 1) * cropSize * 3),
                                with: resized.pixels[source..<(source + cropSize * 3)])
        }
        return RGBImage(width: cropSize, height: cropSize, pixels: out)
    }

    /// Steps 3 and 4 on an already cropped picture: `[3, height, width]`.
    public func normalized(_ image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * plane)
        let scale = 1.0 / 255.0
        // Every UInt8 value maps to one float per channel: tabulate.
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 { table[c * 256 + v] = (Float(Double(v) * scale) - mean[c]) / std[c] }
        }
        for i in 0..<plane {
            for c in 0..<3 { out[c * plane + i] = table[c * 256 + Int(image.pixels[i * 3 + c])] }
        }
        return Tensor(shape: [3, image.height, image.width], scalars: out)
    }

    /// The whole pipeline: `pixel_values` for one image, `[3, cropSize, cropSize]`.
    public func callAsFunction(_ image: RGBImage) -> Tensor {
        normalized(resizedAndCropped(image))
    }
}

/// Pillow's `Image.resize(..., Image.BICUBIC)` for 8-bit RGB (libImaging/Resample.c): separable
/// convolution with per-output-pixel normalised weights in 22-bit fixed point.
enum PillowBicubic {
    static let precisionBits = 32 - 8 - 2

    /// Per output pixel: first input index, number of taps, and `ksize` fixed-point weights.
    struct Coefficients {
        var ksize: Int
        var first: [Int]
        var count: [Int]
        var weights: [Int]
    }

    static func filter(_ value: Double) -> Double {
        let a = -0.5
        let x = abs(value)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        // Pillow passes the source box as floats; integer extents up to 2^24 are exact.
        let scale = Double(Float(inSize)) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 2.0 * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var result = Coefficients(ksize: ksize, first: [], count: [],
                                  weights: [Int](repeating: 0, count: outSize * ksize))
        result.first.reserveCapacity(outSize)
        result.count.reserveCapacity(outSize)
        var k = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            let xmin = max(0, Int(center - support + 0.5))
            let xmax = min(inSize, Int(center + support + 0.5)) - xmin
            var total = 0.0
            for x in 0..<max(0, xmax) {
                let w = filter((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                total += w
            }
            for x in 0..<max(0, xmax) {
                if total != 0 { k[x] /= total }
                let fixed = k[x] * Double(1 << precisionBits)
                result.weights[xx * ksize + x] = k[x] < 0 ? Int(-0.5 + fixed) : Int(0.5 + fixed)
            }
            result.first.append(xmin)
            result.count.append(max(0, xmax))
        }
        return result
    }

    @inline(__always) static func clip8(_ value: Int) -> UInt8 {
        UInt8(clamping: value >> precisionBits)
    }

    static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if width == image.width && height == image.height { return image }
        var current = image
        if width != image.width {
            let co = coefficients(inSize: image.width, outSize: width)
            var out = [UInt8](repeating: 0, count: width * image.height * 3)
            current.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<image.height {
                        let row = y * image.width * 3
                        for xx in 0..<width {
                            var s0 = 1 << (precisionBits - 1), s1 = s0, s2 = s0
                            let base = xx * co.ksize
                            for x in 0..<co.count[xx] {
                                let w = co.weights[base + x]
                                let p = row + (co.first[xx] + x) * 3
                                s0 += Int(src[p]) * w
                                s1 += Int(src[p + 1]) * w
                                s2 += Int(src[p + 2]) * w
                            }
                            let o = (y * width + xx) * 3
                            dst[o] = clip8(s0)
                            dst[o + 1] = clip8(s1)
                            dst[o + 2] = clip8(s2)
                        }
                    }
                }
            }
            current = RGBImage(width: width, height: image.height, pixels: out)
        }
        if height != image.height {
            let co = coefficients(inSize: image.height, outSize: height)
            let stride = width * 3
            var out = [UInt8](repeating: 0, count: width * height * 3)
            current.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for yy in 0..<height {
                        let base = yy * co.ksize
                        for i in 0..<stride {
                            var s = 1 << (precisionBits - 1)
                            for y in 0..<co.count[yy] {
                                s += Int(src[(co.first[yy] + y) * stride + i]) * co.weights[base + y]
                            }
                            dst[yy * stride + i] = clip8(s)
                        }
                    }
                }
            }
            current = RGBImage(width: width, height: height, pixels: out)
        }
        return current
    }
}
