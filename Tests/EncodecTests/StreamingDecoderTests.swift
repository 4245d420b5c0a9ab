import Encodec
import Foundation
import Testing
import TestSupport

/// Streaming decode, chunk by chunk, against the whole-sequence decode.
@Suite struct StreamingDecoderTests {
    /// Chunk plans: fixed sizes, a first chunk shorter than the first convolution's padding, and
    /// seeded random sizes (zero-frame chunks included).
    static func plans(frames: Int) -> [(String, [Int])] {
        func fixed(_ size: Int) -> [Int] { Array(repeating: size, count: (frames + size - 1) / size) }
        var generator = SplitMix64(seed: 0x5EED)
        var random: [Int] = []
        while random.reduce(0, +) < frames { random.append(Int(generator.next() % 9)) }
        return [("1", fixed(1)), ("3", fixed(3)), ("7", fixed(7)), ("16", fixed(16)),
                ("2 then 35", [2, 35]), ("random", random), ("all", [frames])]
    }

    @Test(arguments: EncodecFixture.names)
    func streamingEqualsWholeDecode(_ name: String) throws {
        let fixture = try EncodecFixture.load(name)
        let codes = try fixture.intRows("codes.npy")
        let whole = try fixture.model.decode(codes: codes)
        let frames = codes[0].count
        for (label, plan) in Self.plans(frames: frames) {
            var decoder = fixture.model.makeStreamingDecoder()
            var output: [Float] = []
            var start = 0
            for size in plan {
                let end = min(frames, start + size)
                output += try decoder.decode(codes.map { Array($0[start..<end]) })
                start = end
            }
            output += decoder.finish()
            let error = maxRelativeError(output, whole)
            print("EnCodec streaming \(name) chunks \(label): max relative error vs whole decode \(error)")
            #expect(output.count == whole.count, "chunks \(label)")
            #expect(error <= 1e-5, "chunks \(label)")
        }
    }

    @Test(arguments: EncodecFixture.names)
    func shortStreamComesOutAtFinish(_ name: String) throws {
        let fixture = try EncodecFixture.load(name)
        let codes = try fixture.intRows("codes.npy").map { Array($0[0..<3]) }
        var decoder = fixture.model.makeStreamingDecoder()
        var output = try decoder.decode(codes.map { Array($0[0..<1]) })
        output += try decoder.decode(codes.map { Array($0[1..<3]) })
        #expect(output.isEmpty)
        output += decoder.finish()
        let error = maxRelativeError(output, try fixture.model.decode(codes: codes))
        print("EnCodec streaming \(name) 3-frame stream: max relative error \(error)")
        #expect(error <= 1e-5)
        #expect(decoder.finish().isEmpty)
        #expect(throws: EncodecError.streamFinished) { try decoder.decode(codes) }
    }

    /// Start-up latency: samples released after each single frame.
    @Test(arguments: EncodecFixture.names)
    func latency(_ name: String) throws {
        let fixture = try EncodecFixture.load(name)
        let codes = try fixture.intRows("codes.npy")
        let hop = fixture.model.configuration.hopLength
        var decoder = fixture.model.makeStreamingDecoder()
        var firstAudioFrame: Int?
        for t in 0..<codes[0].count {
            let out = try decoder.decode(codes.map { [$0[t]] })
            if firstAudioFrame == nil, !out.isEmpty { firstAudioFrame = t + 1 }
            if let first = firstAudioFrame, t + 1 > first { #expect(out.count == hop, "frame \(t)") }
        }
        let held = decoder.framesReceived * hop - decoder.samplesEmitted
        print("EnCodec streaming \(name): first audio after \(firstAudioFrame ?? -1) frames; "
              + "\(held) samples held back in steady state")
        #expect(firstAudioFrame == decoder.startupFrames)
        #expect(held == 0)
    }

    @Test func chunkWithChangedCodebookCountIsRejected() throws {
        let fixture = try EncodecFixture.load("bark-tiny-nobias")
        let codes = try fixture.intRows("codes.npy")
        var decoder = fixture.model.makeStreamingDecoder()
        _ = try decoder.decode(codes.map { Array($0[0..<2]) })
        #expect(throws: EncodecError.codebookCountChanged(given: 2, expected: 8)) {
            try decoder.decode(codes[0..<2].map { Array($0[2..<4]) })
        }
        #expect(throws: EncodecError.codeOutOfRange(codebook: 1, frame: 0, value: 1024, codebookSize: 1024)) {
            try decoder.decode([[0], [1024]] + codes[2...].map { [$0[0]] })
        }
    }
}
