import Bark
import Checkpoints
import Foundation
import Testing
import TestSupport

/// Real Bark presets (committed fixtures) and scratch directories for preset tests.
enum PresetTestPaths {
    /// `Tests/Fixtures/bark-prompts/v2/`: Bark's v2 presets (MIT, Suno; provenance in its README).
    static let barkPromptsV2 = FixturePaths.fixtures.appendingPathComponent("bark-prompts/v2", isDirectory: true)

    static func preset(_ name: String) -> URL { barkPromptsV2.appendingPathComponent("\(name).npz") }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("VoicePresetTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes an npz with the given arrays (name, integers, shape, dtype).
    static func writeNPZ(_ arrays: [(String, [Int], [Int], NumpyWriter.ElementType)], to url: URL) throws {
        try NPZWriter.write(try arrays.map { ($0.0, try NumpyWriter.npyBytes(integers: $0.1, shape: $0.2, as: $0.3)) }, to: url)
    }
}

@Suite("VoicePreset loading, validation and saving")
struct VoicePresetTests {
    @Test("Bark's v2 presets load with the shapes from the README", arguments: [
        ("en_speaker_0", 341, 512), ("en_speaker_6", 309, 464), ("de_speaker_3", 381, 572), ("zh_speaker_1", 238, 357),
    ])
    func realPresets(name: String, semantic: Int, frames: Int) throws {
        let url = PresetTestPaths.preset(name)
        try #require(FileManager.default.fileExists(atPath: url.path), "missing \(url.path)")
        let preset = try VoicePreset(npz: url)
        #expect(preset.semanticPrompt.count == semantic)
        #expect(preset.coarsePrompt.count == 2 && preset.coarsePrompt.allSatisfy { $0.count == frames })
        #expect(preset.finePrompt.count == 8 && preset.finePrompt.allSatisfy { $0.count == frames })
        // The README notes rows 0-1 of fine equal coarse: this also checks the Fortran-order reordering.
        #expect(Array(preset.finePrompt.prefix(2)) == preset.coarsePrompt)
    }

    @Test("save then load gives the same preset, in Suno's dtypes and member order")
    func saveRoundTrip() throws {
        let directory = try PresetTestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try VoicePreset(npz: PresetTestPaths.preset("en_speaker_6"))
        let url = directory.appendingPathComponent("copy.npz")
        try original.save(to: url)
        #expect(try VoicePreset(npz: url) == original)
        let archive = try NPZArchive(url: url)
        #expect(archive["semantic_prompt"]?.dtype == .int64 && archive["semantic_prompt"]?.shape == [309])
        #expect(archive["coarse_prompt"]?.dtype == .int64 && archive["coarse_prompt"]?.shape == [2, 464])
        #expect(archive["fine_prompt"]?.dtype == .int32 && archive["fine_prompt"]?.shape == [8, 464])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["copy.npz"])
    }

    @Test("uint16 presets (like the v1 announcer) are widened")
    func uint16Preset() throws {
        let directory = try PresetTestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("announcer.npz")
        try PresetTestPaths.writeNPZ([("semantic_prompt", [9999, 0], [2], .uint16), ("coarse_prompt", [1, 2, 3, 1023], [2, 2], .uint16),
                                      ("fine_prompt", [1, 2, 3, 4], [2, 2], .uint16)], to: url)
        let preset = try VoicePreset(npz: url)
        #expect(preset.semanticPrompt == [9999, 0] && preset.coarsePrompt == [[1, 2], [3, 1023]])
    }

    @Test("bad presets throw errors naming the file and array")
    func badPresets() throws {
        let directory = try PresetTestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.npz")
        let path = url.path
        let semantic = ("semantic_prompt", [1, 2, 3], [3], NumpyWriter.ElementType.int64)
        let coarse = ("coarse_prompt", [1, 2, 3, 4], [2, 2], NumpyWriter.ElementType.int64)
        let fine = ("fine_prompt", [1, 2, 3, 4, 5, 6, 7, 8], [4, 2], NumpyWriter.ElementType.int32)
        let cases: [([(String, [Int], [Int], NumpyWriter.ElementType)], VoicePresetError)] = [
            ([semantic, coarse], .missingArray(file: path, array: "fine_prompt")),
            ([("semantic_prompt", [1, 2], [1, 2], .int64), coarse, fine],
             .wrongRank(file: path, array: "semantic_prompt", expected: 1, shape: [1, 2])),
            ([semantic, ("coarse_prompt", [1, 2, 3], [3, 1], .int64), fine],
             .wrongShape(file: path, array: "coarse_prompt", shape: [3, 1], reason: "expected 2 codebook rows")),
            ([semantic, coarse, ("fine_prompt", [1, 2], [1, 2], .int64)],
             .wrongShape(file: path, array: "fine_prompt", shape: [1, 2], reason: "expected at least 2 codebook rows (8 for Bark)")),
            ([("semantic_prompt", [1, 10_000], [2], .int64), coarse, fine],
             .valueOutOfRange(file: path, array: "semantic_prompt", row: nil, column: 1, value: 10_000, limit: 10_000)),
            ([semantic, ("coarse_prompt", [1, 2, 3, -4], [2, 2], .int64), fine],
             .valueOutOfRange(file: path, array: "coarse_prompt", row: 1, column: 1, value: -4, limit: 1024)),
            ([semantic, coarse, ("fine_prompt", [1, 2, 3, 1024], [2, 2], .int32)],
             .valueOutOfRange(file: path, array: "fine_prompt", row: 1, column: 1, value: 1024, limit: 1024)),
            ([semantic, ("coarse_prompt", [1, 2, 3, 4], [2, 2], .float32), fine],
             .notIntegers(file: path, array: "coarse_prompt", dtype: "float32")),
        ]
        for (arrays, expected) in cases {
            try PresetTestPaths.writeNPZ(arrays, to: url)
            #expect(throws: expected) { try VoicePreset(npz: url) }
            #expect(expected.description.contains(path))
        }
        // The limits are parameters.
        try PresetTestPaths.writeNPZ([semantic, coarse, fine], to: url)
        #expect(throws: VoicePresetError.valueOutOfRange(file: path, array: "coarse_prompt", row: 0, column: 1, value: 2, limit: 2)) {
            try VoicePreset(npz: url, semanticVocabularySize: 10, codebookSize: 2)
        }
        // Not a zip at all.
        try Data("not a zip".utf8).write(to: url)
        #expect(throws: VoicePresetError.self) { try VoicePreset(npz: url) }
    }
}
