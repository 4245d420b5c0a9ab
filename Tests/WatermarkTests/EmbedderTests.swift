import Foundation
import Testing
import TestSupport
@testable import Watermark

/// The streaming embedder: chunking invariance, length, silence, and the SI-SNR budget.
struct EmbedderTests {
    static let settings = WatermarkSettings(key: try! WatermarkKey(bytes: Array(0..<32)), modelID: 3, session: 77)

    @Test func randomChunkingGivesBitIdenticalOutput() {
        let input = SyntheticAudio.speechLike(seconds: 2.3, seed: 4) + [0.25, -0.5, 0.125]
        let whole = WatermarkEmbedder.embed(input, settings: Self.settings)
        #expect(whole.count == input.count)
        var generator = SplitMix64(seed: 9)
        for _ in 0..<5 {
            let embedder = WatermarkEmbedder(settings: Self.settings)
            var output: [Float] = []
            var start = 0
            while start < input.count {
                let size = Int(generator.next() % 700)  // 0…699, empty chunks included
                let end = min(input.count, start + size)
                output += embedder.process(Array(input[start..<end]))
                start = end
            }
            output += embedder.finish()
            #expect(output == whole)
        }
    }

    @Test func shortAndEmptyStreamsKeepTheirLength() {
        for count in [0, 1, 255, 256, 257, 511, 512, 513] {
            let input = (0..<count).map { Float(sin(Double($0) * 0.3)) * 0.3 }
            #expect(WatermarkEmbedder.embed(input, settings: Self.settings).count == count)
        }
    }

    @Test func silenceStaysSilentAndAnUnmarkedBandIsReconstructed() {
        let silence = [Float](repeating: 0, count: 5000)
        #expect(WatermarkEmbedder.embed(silence, settings: Self.settings) == silence)
        // A 300 Hz tone has no energy in the marked band: the STFT reconstructs it.
        let tone = TestTools.sine(frequency: 300, sampleRate: 24_000, count: 24_000, amplitude: 0.5)
        let marked = WatermarkEmbedder.embed(tone, settings: Self.settings)
        let snr = SignalQuality.siSNR(reference: tone, estimate: marked) ?? 0
        #expect(snr > 60, "SI-SNR \(snr) dB")
    }

    /// Band energies of faint audio reach Float's subnormal range: the strengths must neither
    /// overflow nor vanish there.
    @Test func faintAndFadingSignalsStayFiniteAndAreMarked() {
        let noise = SyntheticAudio.noise(seconds: 1, seed: 5, pink: true)
        let fade = noise.enumerated().map { index, x in x * Float(pow(10, -36 + 36 * Double(index) / Double(noise.count))) }
        for (name, signal) in [("noise at 1e-20", noise.map { $0 * 1e-20 }), ("noise at 1e-36", noise.map { $0 * 1e-36 }),
                               ("fade from -720 dB", fade)] {
            let marked = WatermarkEmbedder.embed(signal, settings: Self.settings)
            let finite = marked.allSatisfy { $0.isFinite }
            #expect(finite, "\(name): non-finite output")
        }
        let faint = noise.map { $0 * 1e-20 }
        let snr = SignalQuality.siSNR(reference: faint, estimate: WatermarkEmbedder.embed(faint, settings: Self.settings)) ?? 0
        #expect(snr >= 29.5 && snr < 45, "faint noise is marked as loud noise is: SI-SNR \(snr) dB")
    }

    @Test func markStaysThirtyDecibelsBelowTheSignal() {
        for (index, signal) in [SyntheticAudio.speechLike(seconds: 4, seed: 1), SyntheticAudio.noise(seconds: 4, seed: 2, pink: false),
                                SyntheticAudio.tones(seconds: 4, seed: 3)].enumerated() {
            let marked = WatermarkEmbedder.embed(signal, settings: Self.settings)
            let snr = SignalQuality.siSNR(reference: signal, estimate: marked) ?? 0
            #expect(snr >= 29.5, "signal \(index): SI-SNR \(snr) dB")
            #expect(snr < 45, "signal \(index): the mark is there at all (SI-SNR \(snr) dB)")
        }
    }
}

/// Key files: created 0600 once, read back equal, refused with the file named when malformed.
struct KeyFileTests {
    @Test func loadOrCreateMakesAPrivateFileOnceAndReadsItBack() throws {
        let folder = try TestTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("nested/watermark.key")
        let created = try WatermarkKey.loadOrCreate(at: url)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int == 0o600)
        #expect(try WatermarkKey.loadOrCreate(at: url) == created)
        #expect(try WatermarkKey.load(from: url) == created)
        try Data("0123\n".utf8).write(to: url)
        #expect(throws: WatermarkKeyError.malformed(path: url.path)) { try WatermarkKey.load(from: url) }
        let missing = folder.appendingPathComponent("none.key")
        #expect(throws: WatermarkKeyError.self) { try WatermarkKey.load(from: missing) }
        #expect(WatermarkKey.defaultPath(environment: ["OMNIBARK_HOME": "/data/ob"]).path == "/data/ob/watermark.key")
        #expect(WatermarkKey.defaultPath(environment: ["HOME": "/home/u"]).path == "/home/u/.config/omnibark/watermark.key")
    }
}
