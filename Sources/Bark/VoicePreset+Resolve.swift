import Foundation

extension VoicePreset {
    /// The index file name in a Hugging Face Bark model directory.
    public static let speakerEmbeddingsIndexName = "speaker_embeddings_path.json"

    /// Finds a voice the way a user names it, mirroring Suno's `_load_history_prompt`:
    /// 1. a path ending in `.npz`, or naming an existing file, is loaded as an `.npz` preset;
    /// 2. otherwise `voice` is a preset name (see `named(_:modelDirectory:voiceDirectories:)`).
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
        return try named(voice, modelDirectory: modelDirectory)
    }

    /// Finds a preset by name only — never a path: `voice` (`v2/en_speaker_6`, `announcer`) must be
    /// letters, digits, `_`, `-`, `.` in `/`-separated parts, and is looked up exactly in
    /// `<modelDirectory>/speaker_embeddings_path.json`, then as
    /// `<modelDirectory>/speaker_embeddings/<name>.npz`, then as `<dir>/<name>.npz` in each of
    /// `voiceDirectories` in order. This is the lookup for names from untrusted clients.
    public static func named(_ voice: String, modelDirectory: URL?, voiceDirectories: [URL] = []) throws -> VoicePreset {
        var searched: [String] = []
        var available: [String] = []
        if let modelDirectory {
            let indexURL = modelDirectory.appendingPathComponent(speakerEmbeddingsIndexName)
            searched.append(indexURL.path)
            if FileManager.default.fileExists(atPath: indexURL.path) {
                let index = try SpeakerEmbeddingsIndex(url: indexURL)
                if index.entries[voice] != nil {
                    return try VoicePreset(name: voice, index: index, semanticVocabularySize: defaultSemanticVocabularySize,
                                           codebookSize: defaultCodebookSize)
                }
                available += index.names
            }
        }
        let directories = (modelDirectory.map { [$0.appendingPathComponent("speaker_embeddings", isDirectory: true)] } ?? [])
            + voiceDirectories
        for directory in directories {
            searched.append(directory.path + "/<name>.npz")
            if isSafePresetName(voice) {
                let npz = voice.split(separator: "/").reduce(directory) { $0.appendingPathComponent(String($1)) }
                    .appendingPathExtension("npz")
                if FileManager.default.fileExists(atPath: npz.path) { return try VoicePreset(npz: npz) }
            }
            available += npzPresetNames(in: directory)
        }
        let names = Set(available).sorted()
        let close = names.filter { $0.hasSuffix(voice) || voice.hasSuffix($0) }
        let shown = Array((close + names.filter { !close.contains($0) }).prefix(8))
        throw VoicePresetError.unknownPreset(name: voice, searched: searched, available: shown, total: names.count)
    }

    /// Every preset name `named(_:modelDirectory:voiceDirectories:)` can find, sorted.
    public static func availableNames(modelDirectory: URL?, voiceDirectories: [URL] = []) -> [String] {
        var names: [String] = []
        if let modelDirectory {
            let indexURL = modelDirectory.appendingPathComponent(speakerEmbeddingsIndexName)
            if let index = try? SpeakerEmbeddingsIndex(url: indexURL) { names += index.names }
            names += npzPresetNames(in: modelDirectory.appendingPathComponent("speaker_embeddings", isDirectory: true))
        }
        for directory in voiceDirectories { names += npzPresetNames(in: directory) }
        return Set(names).sorted()
    }

    /// Checks that the preset can condition a model with `configuration`: `semantic_prompt` ids
    /// below the semantic vocabulary, `coarse_prompt` with the coarse stage's codebook count,
    /// `fine_prompt` with the fine stage's, every code below the codebook size. Run it before
    /// generating, so a bad preset fails at once instead of after the semantic and coarse stages.
    /// - Parameter source: names the preset in errors (a file or preset name).
    public func checkFits(_ configuration: BarkGenerationConfiguration, source: String) throws {
        if let column = semanticPrompt.firstIndex(where: { $0 >= configuration.semantic.vocabularySize }) {
            throw VoicePresetError.valueOutOfRange(file: source, array: "semantic_prompt", row: nil, column: column,
                                                   value: semanticPrompt[column], limit: configuration.semantic.vocabularySize)
        }
        for (array, rows, expected) in [("coarse_prompt", coarsePrompt, configuration.coarse.codebooks),
                                         ("fine_prompt", finePrompt, configuration.fine.codebooks)] {
            guard rows.count == expected else {
                throw VoicePresetError.wrongShape(file: source, array: array, shape: [rows.count, rows.first?.count ?? 0],
                                                  reason: "expected \(expected) codebook rows for this model")
            }
            for (r, row) in rows.enumerated() {
                if let column = row.firstIndex(where: { $0 >= configuration.codebookSize }) {
                    throw VoicePresetError.valueOutOfRange(file: source, array: array, row: r, column: column,
                                                           value: row[column], limit: configuration.codebookSize)
                }
            }
        }
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
