import Bark
import Checkpoints
import Foundation
import Tensors
import Testing
@testable import OmniBark

/// The pre-quantized weight cache on the demo model: built on the first quantized load, used on
/// the next with identical matrices and tokens; a stale key, a truncated file or a damaged byte
/// is refused (named in a note) and rebuilt.
@Suite struct WeightCacheTests {
    static func demoDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-cache-\(UUID().uuidString)")
        try DemoModel.create(at: directory)
        return directory
    }

    static func cacheFile(_ directory: URL, _ format: WeightFormat) -> URL {
        directory.appendingPathComponent(WeightCacheLocations.folderName).appendingPathComponent(WeightCacheLocations.fileName(format))
    }

    /// Greedy tokens of all three stages for a fixed text and voice.
    static func tokens(_ model: SpeechModel) throws -> BarkGeneration {
        var options = SpeechOptions()
        options.voice = try model.voice(DemoModel.voiceName)
        options.maxSemanticTokens = 16
        options.greedy = true
        return try model.speak("Hello world, this is a test.", options: options).segments[0]
    }

    static func dequantized(_ model: SpeechModel) -> [String: [Float]] {
        model.generator.models.quantizedMatrices.mapValues { $0.dequantized().scalars }
    }

    @Test(arguments: [WeightFormat.int8, .q4, .bf16])
    func cacheGivesTheSameWeightsAndTokens(format: WeightFormat) throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let uncached = try SpeechModel(directory: directory, weightFormat: format, useWeightCache: false)
        #expect(uncached.weightCache == nil)
        let first = try SpeechModel(directory: directory, weightFormat: format)
        #expect(first.weightCache?.outcome == .built)
        #expect(first.weightCache?.file == Self.cacheFile(directory, format))
        #expect(FileManager.default.fileExists(atPath: Self.cacheFile(directory, format).path))
        let second = try SpeechModel(directory: directory, weightFormat: format)
        #expect(second.weightCache?.outcome == .loaded)
        #expect(second.weightCache?.notes == [])
        let reference = Self.dequantized(uncached)
        #expect(reference.count == 3 * 2 * 4 + 2 + 7)  // 2 layers × 4 linears per stage, 2 lm_heads, 7 fine heads
        #expect(Self.dequantized(second) == reference)
        #expect(try Self.tokens(second) == (try Self.tokens(uncached)))
    }

    @Test func f32LoadsWithoutCache() throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try SpeechModel(directory: directory).weightCache == nil)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(WeightCacheLocations.folderName).path))
    }

    @Test func staleKeyIsRebuilt() throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try SpeechModel(directory: directory, weightFormat: .int8)
        // The checkpoint changes on disk (same bytes, new modification time).
        let checkpoint = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 3600)], ofItemAtPath: checkpoint.path)
        let reloaded = try SpeechModel(directory: directory, weightFormat: .int8)
        #expect(reloaded.weightCache?.outcome == .built)
        let notes = reloaded.weightCache?.notes ?? []
        #expect(notes.count == 1)
        #expect(notes.first?.contains("is stale (source_mtime_ns") == true, "\(notes)")
        #expect(try SpeechModel(directory: directory, weightFormat: .int8).weightCache?.outcome == .loaded)
    }

    @Test func truncatedCacheIsRefusedAndRebuilt() throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = try Self.tokens(try SpeechModel(directory: directory, weightFormat: .q4))
        let file = Self.cacheFile(directory, .q4)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 100).write(to: file)
        let reloaded = try SpeechModel(directory: directory, weightFormat: .q4)
        #expect(reloaded.weightCache?.outcome == .built)
        #expect(reloaded.weightCache?.notes.first?.contains("is damaged") == true, "\(reloaded.weightCache?.notes ?? [])")
        #expect(try Data(contentsOf: file).count == bytes.count)
        #expect(try Self.tokens(reloaded) == reference)
    }

    @Test func damagedByteIsRefusedAndRebuilt() throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try SpeechModel(directory: directory, weightFormat: .int8)
        let file = Self.cacheFile(directory, .int8)
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 10] ^= 0x40
        try bytes.write(to: file)
        let reloaded = try SpeechModel(directory: directory, weightFormat: .int8)
        #expect(reloaded.weightCache?.outcome == .built)
        #expect(reloaded.weightCache?.notes.first?.contains("data hash") == true, "\(reloaded.weightCache?.notes ?? [])")
    }

    /// A model folder where the cache cannot be written (here: `.omnibark-cache` is a file) puts
    /// the cache in the per-user folder instead, and finds it there next time.
    @Test func unwritableModelFolderUsesPerUserLocation() throws {
        let directory = try Self.demoDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("not a folder".utf8).write(to: directory.appendingPathComponent(WeightCacheLocations.folderName))
        let first = try SpeechModel(directory: directory, weightFormat: .int8)
        let expected = WeightCacheLocations.candidates(modelDirectory: directory, format: .int8)[1]
        defer { try? FileManager.default.removeItem(at: expected.deletingLastPathComponent()) }
        #expect(first.weightCache?.outcome == .built)
        #expect(first.weightCache?.file == expected)
        #expect(first.weightCache?.notes.first?.contains("cannot write weight cache") == true)
        #expect(try SpeechModel(directory: directory, weightFormat: .int8).weightCache?.outcome == .loaded)
    }
}
