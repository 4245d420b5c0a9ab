import Foundation

extension VoicePreset {
    /// The index file name in a Hugging Face Bark model directory.
    public static let speakerEmbeddingsIndexName = "speaker_embeddings_path.json"

    /// Finds a voice the way a user names it, mirroring Suno's `_load_history_prompt`:
    /// 1. a path ending in `.npz`, or naming an existing file, is loaded as an `.npz` preset;
    /// 2. otherwise `voice` is a preset name (`v2/en_speaker_6`, `en_speaker_6`, `announcer`),
    ///    looked up exactly in `<modelDirectory>/speaker_embeddings_path.json`, then as
    ///    `<modelDirectory>/speaker_embeddings/<name>.npz`.
    /// Unknown names throw `VoicePresetError.unknownPreset` listing a few available names.
    public static func resolve(_ voice: String, modelDirectory: URL?) throws -> VoicePreset {
        let expanded = NSString(string: voice).expandingTildeInPath
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory), !isDirectory.boolValue {
            return try VoicePreset(npz: URL(fileURLWithPath: expanded))
        }
        if voice.hasSuffix(".npz") {
            throw VoicePresetError.unreadable(.unreadable(file: expanded, reason: "no such voice preset file"))
        }
        guard let modelDirectory else {
            throw VoicePresetError.unknownPreset(name: voice, searched: [], available: [], total: 0)
        }
        let indexURL = modelDirectory.appendingPathComponent(speakerEmbeddingsIndexName)
        var index: SpeakerEmbeddingsIndex?
        if FileManager.default.fileExists(atPath: indexURL.path) {
            let loaded = try SpeakerEmbeddingsIndex(url: indexURL)
            if loaded.entries[voice] != nil {
                return try VoicePreset(name: voice, index: loaded, semanticVocabularySize: defaultSemanticVocabularySize,
                                       codebookSize: defaultCodebookSize)
            }
            index = loaded
        }
        let presetsDirectory = modelDirectory.appendingPathComponent("speaker_embeddings", isDirectory: true)
        if isSafePresetName(voice) {
            let npz = voice.split(separator: "/").reduce(presetsDirectory) { $0.appendingPathComponent(String($1)) }
                .appendingPathExtension("npz")
            if FileManager.default.fileExists(atPath: npz.path) { return try VoicePreset(npz: npz) }
        }
        let available = Set((index?.names ?? []) + npzPresetNames(in: presetsDirectory)).sorted()
        let close = available.filter { $0.hasSuffix(voice) || voice.hasSuffix($0) }
        let shown = Array((close + available.filter { !close.contains($0) }).prefix(8))
        throw VoicePresetError.unknownPreset(name: voice, searched: [indexURL.path, presetsDirectory.path + "/<name>.npz"],
                                             available: shown, total: available.count)
    }

    /// Letters, digits, `_`, `-` and `/`-separated components, none empty or `..`.
    static func isSafePresetName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part != ".." && part != "." && part.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" || $0 == "."
            }
        }
    }

    /// `<name>` for each `*.npz` in `directory` and one level of subdirectories (`v2/<name>`).
    static func npzPresetNames(in directory: URL) -> [String] {
        let manager = FileManager.default
        guard let top = try? manager.contentsOfDirectory(atPath: directory.path) else { return [] }
        var names: [String] = []
        for item in top {
            if item.hasSuffix(".npz") { names.append(String(item.dropLast(4))); continue }
            let sub = directory.appendingPathComponent(item)
            for inner in (try? manager.contentsOfDirectory(atPath: sub.path)) ?? [] where inner.hasSuffix(".npz") {
                names.append("\(item)/\(inner.dropLast(4))")
            }
        }
        return names
    }
}
