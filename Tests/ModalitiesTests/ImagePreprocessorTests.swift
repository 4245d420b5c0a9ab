import Checkpoints
import Foundation
import Modalities
import Tensors
import Testing

@Suite struct ImagePreprocessorTests {
    let preprocessor = CLIPImagePreprocessor()
    let parity = ["rgb_640x480.png", "rgba_100x300.png", "gray16_17x900.png", "palette_224x224.png",
                  "baseline_320x240.jpg", "progressive_200x150.jpg"]

    @Test func resizedSizeFollowsTheShortestEdge() {
        #expect(preprocessor.resizedSize(width: 640, height: 480) == (298, 224))
        #expect(preprocessor.resizedSize(width: 100, height: 300) == (224, 672))
        #expect(preprocessor.resizedSize(width: 224, height: 224) == (224, 224))
        #expect(preprocessor.resizedSize(width: 17, height: 900) == (224, 11858))
    }

    /// `pixel_values` equal transformers' `CLIPImageProcessorPil` output for every parity image, from
    /// the image files. The processor's uint8 crop is stored for all but rgb_640x480 (whose float
    /// `pixel_values.npy` is stored whole); pixel_values are rebuilt from it exactly as numpy does.
    @Test func pixelValuesMatchTransformers() throws {
        let crops = try NPZArchive(url: CLIPFixture.directory.appendingPathComponent("preprocessed.npz"))
        var worstOverall: Float = 0
        for name in parity {
            let image = try ImageDecoder().decode(contentsOf: CLIPFixture.image(name))
            let crop = preprocessor.resizedAndCropped(image)
            let ours = preprocessor(image)
            #expect(ours.shape == [3, 224, 224])
            let reference: [Float]
            if let stored = crops["crop_" + CLIPFixture.key(name)] {
                #expect(stored.shape == [224, 224, 3])
                let differing = zip(stored.data, crop.pixels).filter { $0 != $1 }.count
                #expect(differing == 0, "\(name): \(differing) resized/cropped bytes differ from Pillow's")
                reference = preprocessor.normalized(RGBImage(width: 224, height: 224, pixels: stored.data)).scalars
            } else {
                reference = try NumpyArray(contentsOf: CLIPFixture.directory.appendingPathComponent("pixel_values.npy")).floats()
            }
            let worst = CLIPFixture.maxAbsDifference(ours.scalars, reference)
            print("preprocess parity \(name): max abs difference \(worst)")
            #expect(worst <= 1e-6, "\(name)")
            worstOverall = max(worstOverall, worst)
        }
        print("preprocess parity overall: max abs difference \(worstOverall)")
    }

    /// The normalisation alone reproduces numpy's float32 arithmetic bit for bit.
    @Test func normalisationMatchesStoredPixelValues() throws {
        let stored = try NumpyArray(contentsOf: CLIPFixture.directory.appendingPathComponent("pixel_values.npy"))
        #expect(stored.shape == [3, 224, 224])
        let image = try ImageDecoder().decode(contentsOf: CLIPFixture.image("rgb_640x480.png"))
        #expect(preprocessor(image).scalars == stored.floats())
    }

    @Test func identitySizeIsNotResampled() {
        var pixels = [UInt8](repeating: 0, count: 224 * 224 * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i &* 31) }
        let image = RGBImage(width: 224, height: 224, pixels: pixels)
        #expect(preprocessor.resizedAndCropped(image) == image)
    }
}
