import Checkpoints
import Foundation

/// The Hugging Face layout of Bark voice presets (`suno/bark`, `suno/bark-small`): a JSON index
/// `speaker_embeddings_path.json` mapping each preset name to its three `.npy` files, e.g.
/// `"v2/en_speaker_6": {"semantic_prompt": "speaker_embeddings/v2/en_speaker_6_semantic_prompt.npy", …}`,
/// plus a `"repo_or_path"` string entry that transformers replaces by the model directory. Paths
/// are relative to the directory holding the index (the model directory) and may not leave it.
public struct SpeakerEmbeddingsIndex: Sendable, Equatable {
    /// The index file.
    public let url: URL
    /// Preset name → array name → path relative to the index's directory.
    public let entries: [String: [String: String]]

    /// Reads and checks `speaker_embeddings_path.json`. Non-dictionary entries (`repo_or_path`) are skipped.
    public init(url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw VoicePresetError.unreadable(.unreadable(file: file, reason: ErrorMessage.reason(error)))
        }
        guard let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw VoicePresetError.invalidIndex(file: file, key: "", reason: "the file is not a JSON object")
        }
        var entries: [String: [String: String]] = [:]
        for (name, value) in top {
            guard let paths = value as? [String: Any] else { continue } // "repo_or_path": "…"
            var entry: [String: String] = [:]
            for (array, path) in paths {
                guard let path = path as? String else {
                    throw VoicePresetError.invalidIndex(file: file, key: "\(name).\(array)", reason: "expected a relative path string")
                }
                entry[array] = path
            }
            entries[name] = entry
        }
        self.url = url
        self.entries = entries
    }

    /// Preset names in the index, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The checked file URL for `array` of preset `name`: relative, inside the index's directory.
    func fileURL(preset name: String, array: String) throws -> URL {
        guard let entry = entries[name] else {
            throw VoicePresetError.unknownPreset(name: name, searched: [url.path], available: Array(names.prefix(8)), total: entries.count)
        }
        guard let relative = entry[array] else {
            throw VoicePresetError.missingArray(file: url.path, array: "\(array) (index entry '\(name)')")
        }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !relative.hasPrefix("/"), !relative.contains("\\"), !components.isEmpty,
              !components.contains(where: { $0 == ".." }) else {
            throw VoicePresetError.invalidIndex(file: url.path, key: "\(name).\(array)",
                                                reason: "path '\(relative)' must stay inside the model directory")
        }
        return components.reduce(url.deletingLastPathComponent()) { $0.appendingPathComponent(String($1)) }
    }
}

extension VoicePreset {
    /// Loads preset `name` (e.g. `"v2/en_speaker_6"`) from the Hugging Face layout described by
    /// the `speaker_embeddings_path.json` at `speakerEmbeddingsIndex`.
    public init(name: String, speakerEmbeddingsIndex: URL, semanticVocabularySize: Int = defaultSemanticVocabularySize,
                codebookSize: Int = defaultCodebookSize) throws {
        try self.init(name: name, index: try SpeakerEmbeddingsIndex(url: speakerEmbeddingsIndex),
                      semanticVocabularySize: semanticVocabularySize, codebookSize: codebookSize)
    }

    init(name: String, index: SpeakerEmbeddingsIndex, semanticVocabularySize: Int, codebookSize: Int) throws {
        var arrays: [String: NumpyArray] = [:]
        var files: [String: String] = [:]
        for array in Self.arrayNames {
            let url = try index.fileURL(preset: name, array: array)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw VoicePresetError.unreadable(.unreadable(file: url.path, reason: "listed for '\(name)' in \(index.url.path) but missing"))
            }
            do { arrays[array] = try NumpyArray(contentsOf: url) } catch let error as CheckpointError {
                throw VoicePresetError.unreadable(error)
            }
            files[array] = url.path
        }
        try self.init(arrays: arrays, files: files, semanticVocabularySize: semanticVocabularySize, codebookSize: codebookSize)
    }
}
