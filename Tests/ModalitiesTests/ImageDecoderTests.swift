import Checkpoints
import Foundation
import Modalities
import Testing
import TestSupport

@Suite struct ImageDecoderTests {
    let decoder = ImageDecoder()

    /// Every fixture image decodes to exactly Pillow's `convert("RGB")` bytes (16-bit grey: high byte).
    @Test func decodesLikePillow() throws {
        let manifest = try CLIPFixture.manifest()
        let hashes = try #require(manifest["fnv1a64"] as? [String: String])
        let images = try #require(manifest["images"] as? [String: String])
        let whole = try NPZArchive(url: CLIPFixture.directory.appendingPathComponent("decoded.npz"))
        var checked = 0
        for name in images.keys.sorted() where !name.hasPrefix("cmyk") {
            let image = try decoder.decode(contentsOf: CLIPFixture.image(name))
            let key = CLIPFixture.key(name)
            #expect(CLIPFixture.fnv1a64(image.pixels) == hashes[key], "\(name): RGB bytes differ from Pillow's")
            if let expected = whole[key] {
                #expect(expected.shape == [image.height, image.width, 3], "\(name)")
                if expected.data != image.pixels {
                    let differing = zip(expected.data, image.pixels).filter { $0 != $1 }.count
                    Issue.record("\(name): \(differing) of \(expected.data.count) bytes differ")
                }
            }
            checked += 1
        }
        #expect(checked == 10)
    }

    @Test func sizesAreReported() throws {
        let image = try decoder.decode(contentsOf: CLIPFixture.image("rgba_100x300.png"))
        #expect(image.width == 100 && image.height == 300 && image.pixels.count == 100 * 300 * 3)
        let grey = try decoder.decode(contentsOf: CLIPFixture.image("gray16_17x900.png"))
        #expect(grey.width == 17 && grey.height == 900)
    }

    @Test func cmykJPEGIsRefused() {
        let url = CLIPFixture.image("cmyk_16x16.jpg")
        #expect { try decoder.decode(contentsOf: url) } throws: { error in
            guard case let .unsupported(file, format, _)? = error as? ImageDecodingError else { return false }
            return file == url.path && format == "JPEG"
        }
    }

    @Test func truncatedFilesAreErrors() {
        for name in ["truncated.png", "truncated.jpg"] {
            let url = CLIPFixture.image(name)
            #expect { try decoder.decode(contentsOf: url) } throws: { error in
                guard case let .truncated(file, _, _)? = error as? ImageDecodingError else { return false }
                return file == url.path && "\(error)".contains(name)
            }
        }
    }

    @Test func garbageAndTextAreErrors() {
        let garbage = CLIPFixture.image("garbage.png")
        #expect { try decoder.decode(contentsOf: garbage) } throws: { error in
            guard let error = error as? ImageDecodingError else { return false }
            switch error {
            case .corrupt(let file, _, _), .truncated(let file, _, _): return file == garbage.path
            default: return false
            }
        }
        let text = CLIPFixture.image("not_an_image.txt")
        #expect(throws: ImageDecodingError.notAnImage(file: text.path)) { try decoder.decode(contentsOf: text) }
        #expect(throws: ImageDecodingError.notAnImage(file: "empty")) { try decoder.decode([], file: "empty") }
    }

    @Test func absurdDimensionsAreRefusedBeforeDecoding() {
        let url = CLIPFixture.image("huge_20000x20000.png")
        #expect { try decoder.decode(contentsOf: url) } throws: { error in
            guard case let .tooLarge(file, reason)? = error as? ImageDecodingError else { return false }
            return file == url.path && reason.contains("20000x20000")
        }
        // The pixel-count limit applies on its own too.
        let small = ImageDecoder(maxSide: 16_384, maxPixels: 1000)
        #expect { try small.decode(contentsOf: CLIPFixture.image("rgb_640x480.png")) } throws: { error in
            if case .tooLarge? = error as? ImageDecodingError { return true }
            return false
        }
    }

    @Test func missingFileIsUnreadable() {
        let url = CLIPFixture.image("no_such_file.png")
        #expect { try decoder.decode(contentsOf: url) } throws: { error in
            if case let .unreadable(file, _)? = error as? ImageDecodingError { return file == url.path }
            return false
        }
    }

    /// Every prefix length and a run of byte flips: always a value or a typed error, never a crash.
    @Test func cutAndDamagedDataNeverCrash() throws {
        for name in ["baseline_320x240.jpg", "progressive_200x150.jpg", "palette_224x224.png", "rgba16_21x13.png"] {
            let bytes = Array(try Data(contentsOf: CLIPFixture.image(name)))
            var cut = 0
            while cut < bytes.count {
                do { _ = try decoder.decode(Array(bytes[0..<cut]), file: name) } catch is ImageDecodingError {}
                cut += max(1, bytes.count / 97)
            }
            var generator = SplitMix64(seed: 42)
            for _ in 0..<60 {
                var damaged = bytes
                for _ in 0..<4 {
                    let at = 3 + Int(generator.next() % UInt64(damaged.count - 3))
                    damaged[at] = UInt8(truncatingIfNeeded: generator.next())
                }
                do { _ = try decoder.decode(damaged, file: name) } catch is ImageDecodingError {}
            }
        }
    }
}
