import Bark
import Checkpoints
import Foundation
import Testing

@Suite("VoicePreset name resolution and the Hugging Face layout")
struct VoicePresetResolveTests {
    /// A fake model directory: `speaker_embeddings_path.json` with `v2/en_speaker_6` (from the real
    /// preset, as per-array `.npy` files) and `speaker_embeddings/announcer.npz`.
    private func makeModelDirectory() throws -> (URL, VoicePreset) {
        let root = try PresetTestPaths.temporaryDirectory()
        let preset = try VoicePreset(npz: PresetTestPaths.preset("en_speaker_6"))
        let embeddings = root.appendingPathComponent("speaker_embeddings/v2", isDirectory: true)
        try FileManager.default.createDirectory(at: embeddings, withIntermediateDirectories: true)
        let arrays: [(String, [Int], [Int])] = [
            ("semantic_prompt", preset.semanticPrompt, [preset.semanticPrompt.count]),
            ("coarse_prompt", preset.coarsePrompt.flatMap { $0 }, [2, preset.coarsePrompt[0].count]),
            ("fine_prompt", preset.finePrompt.flatMap { $0 }, [8, preset.finePrompt[0].count]),
        ]
        var entry: [String: String] = [:]
        for (name, values, shape) in arrays {
            let relative = "speaker_embeddings/v2/en_speaker_6_\(name).npy"
            try NumpyWriter.write(try NumpyWriter.npyBytes(integers: values, shape: shape, as: .int64),
                                  to: root.appendingPathComponent(relative))
            entry[name] = relative
        }
        let index: [String: Any] = ["repo_or_path": "suno/bark-small", "v2/en_speaker_6": entry,
                                    "v2/en_speaker_7": ["semantic_prompt": "../outside.npy", "coarse_prompt": "x", "fine_prompt": "y"]]
        try JSONSerialization.data(withJSONObject: index).write(to: root.appendingPathComponent("speaker_embeddings_path.json"))
        try FileManager.default.copyItem(at: PresetTestPaths.preset("zh_speaker_1"),
                                         to: root.appendingPathComponent("speaker_embeddings/announcer.npz"))
        return (root, preset)
    }

    @Test("the HF index loads a preset from per-array .npy files")
    func huggingFaceLayout() throws {
        let (root, expected) = try makeModelDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let index = root.appendingPathComponent("speaker_embeddings_path.json")
        #expect(try VoicePreset(name: "v2/en_speaker_6", speakerEmbeddingsIndex: index) == expected)
        #expect(throws: VoicePresetError.self) { try VoicePreset(name: "v2/en_speaker_7", speakerEmbeddingsIndex: index) }
        do {
            _ = try VoicePreset(name: "v2/en_speaker_7", speakerEmbeddingsIndex: index)
        } catch let error as VoicePresetError {
            #expect(error.description.contains("must stay inside the model directory"))
        }
    }

    @Test("resolve: file paths, index names, speaker_embeddings/<name>.npz, and helpful unknown-name errors")
    func resolve() throws {
        let (root, expected) = try makeModelDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = PresetTestPaths.preset("en_speaker_6").path
        #expect(try VoicePreset.resolve(path, modelDirectory: nil) == expected)
        #expect(try VoicePreset.resolve("v2/en_speaker_6", modelDirectory: root) == expected)
        let announcer = try VoicePreset.resolve("announcer", modelDirectory: root)
        #expect(announcer.semanticPrompt.count == 238)
        do {
            _ = try VoicePreset.resolve("en_speaker_6", modelDirectory: root)
            Issue.record("an unknown name resolved")
        } catch let error as VoicePresetError {
            let message = error.description
            #expect(message.contains("'en_speaker_6'") && message.contains("v2/en_speaker_6") && message.contains("announcer"))
            #expect(message.contains(".npz") && message.contains("speaker_embeddings_path.json"))
        }
        #expect(throws: VoicePresetError.self) { try VoicePreset.resolve("v2/en_speaker_6", modelDirectory: nil) }
        #expect(throws: VoicePresetError.self) { try VoicePreset.resolve("/no/such/voice.npz", modelDirectory: root) }
        #expect(throws: VoicePresetError.self) { try VoicePreset.resolve("../../etc/passwd", modelDirectory: root) }
    }
}
