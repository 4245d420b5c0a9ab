/// Which files of a Bark repository `omnibark models pull` fetches.
///
/// - `config.json`, `generation_config.json` and the tokenizer files (`vocab.txt`,
///   `tokenizer_config.json`, `special_tokens_map.json`, `tokenizer.json` when present);
/// - the weights: `model.safetensors` when listed, else `pytorch_model.bin` (both with `allWeights`);
/// - `speaker_embeddings_path.json` and every file under `speaker_embeddings/`;
/// - with `includeSunoCheckpoints`, Suno's original `text*.pt`, `coarse*.pt`, `fine*.pt`.
public struct ModelFileSelection: Sendable, Equatable {
    public var includeSunoCheckpoints: Bool
    public var allWeights: Bool

    public init(includeSunoCheckpoints: Bool = false, allWeights: Bool = false) {
        self.includeSunoCheckpoints = includeSunoCheckpoints
        self.allWeights = allWeights
    }

    static let metadataFiles: Set<String> = [
        "config.json", "generation_config.json", "vocab.txt", "tokenizer_config.json",
        "special_tokens_map.json", "tokenizer.json", "speaker_embeddings_path.json",
    ]

    /// The files to fetch, in listing order. Throws when `config.json` or every weights file is missing.
    public func select(from files: [HubFile], repo: String, revision: String) throws -> [HubFile] {
        let paths = Set(files.map(\.path))
        guard paths.contains("config.json") else {
            throw ModelDownloadError.missingRequiredFile(repo: repo, revision: revision, path: "config.json")
        }
        let hasSafetensors = paths.contains("model.safetensors")
        if !hasSafetensors && !paths.contains("pytorch_model.bin") {
            throw ModelDownloadError.missingRequiredFile(repo: repo, revision: revision, path: "model.safetensors or pytorch_model.bin")
        }
        return files.filter { file in
            let path = file.path
            if Self.metadataFiles.contains(path) || path.hasPrefix("speaker_embeddings/") { return true }
            if path == "model.safetensors" { return true }
            if path == "pytorch_model.bin" { return allWeights || !hasSafetensors }
            if includeSunoCheckpoints && !path.contains("/") && path.hasSuffix(".pt") {
                return ["text", "coarse", "fine"].contains { path.hasPrefix($0) }
            }
            return false
        }
    }
}
