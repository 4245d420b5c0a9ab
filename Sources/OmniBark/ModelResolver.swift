import Foundation

/// Finds the model directory a command should use: `--model`, else `$OMNIBARK_MODEL`, else the
/// default download location of `bark-small` when it was pulled, else the bundled OmniBark-tiny.
public enum ModelResolver {
    /// The model name looked for when nothing is given.
    public static let defaultModelName = "bark-small"

    /// A resolved model directory and where it came from.
    public struct Resolution: Sendable, Equatable {
        public let url: URL
        /// "--model", "$OMNIBARK_MODEL", "default location" or "bundled".
        public let source: String
        /// True when nothing was given or pulled and the bundled OmniBark-tiny is used.
        public var isBundled: Bool { source == "bundled" }
    }

    /// The directory to load, or a `ModelResolutionError` saying what is at the path and what is
    /// missing. Only checks for `config.json`; loading reports the other files.
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        try resolution(explicit: explicit, environment: environment).url
    }

    /// `resolve`, saying where the directory came from. `bundled`: the bundled model's directory
    /// (`BundledModel.directory()` unless a test passes another).
    public static func resolution(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                                  bundled: URL? = BundledModel.directory()) throws -> Resolution {
        let source: String
        let url: URL
        if let explicit {
            (source, url) = ("--model", URL(fileURLWithPath: (explicit as NSString).expandingTildeInPath))
        } else if let fromEnvironment = environment["OMNIBARK_MODEL"], !fromEnvironment.isEmpty {
            (source, url) = ("$OMNIBARK_MODEL", URL(fileURLWithPath: (fromEnvironment as NSString).expandingTildeInPath))
        } else {
            let pulled = ModelLocations.defaultDirectory(for: defaultModelName, environment: environment)
            if !FileManager.default.fileExists(atPath: pulled.path), let bundled {
                return Resolution(url: bundled, source: "bundled")
            }
            (source, url) = ("default location", pulled)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelResolutionError.notFound(path: url.path, source: source)
        }
        guard isDirectory.boolValue else { throw ModelResolutionError.notADirectory(path: url.path, source: source) }
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            throw ModelResolutionError.noConfiguration(path: url.path, source: source, entries: entries.filter { !$0.hasPrefix(".") }.sorted())
        }
        return Resolution(url: url, source: source)
    }
}

/// Why no model directory could be used; each message says what is at the path, what is missing,
/// and how to get a model.
public enum ModelResolutionError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Nothing exists at `path` (`source`: "--model", "$OMNIBARK_MODEL" or "default location").
    case notFound(path: String, source: String)
    /// `path` is a file; a model is a directory.
    case notADirectory(path: String, source: String)
    /// `path` is a directory without `config.json`; `entries` are the names it holds.
    case noConfiguration(path: String, source: String, entries: [String])

    /// The files of a Hugging Face Bark directory, as `omnibark models pull` fetches them.
    public static let expectedLayout = "a Hugging Face Bark directory holds config.json, model.safetensors (or pytorch_model.bin), "
        + "vocab.txt, tokenizer_config.json, generation_config.json and speaker_embeddings/"

    public var description: String {
        switch self {
        case let .notFound(path, source):
            return "no Bark model found at \(path) (\(source)): no such file or directory.\n" + Self.howToGetOne
        case let .notADirectory(path, source):
            let name = (path as NSString).lastPathComponent
            let parent = (path as NSString).deletingLastPathComponent
            let hint = ["config.json", "model.safetensors", "pytorch_model.bin", "vocab.txt", "generation_config.json"].contains(name)
                ? "; pass the directory that holds it: --model \(parent)" : "; a Bark model is a directory"
            return "\(path) (\(source)) is a file, not a model directory\(hint).\n" + Self.howToGetOne
        case let .noConfiguration(path, source, entries):
            let holds: String
            if entries.isEmpty {
                holds = "is empty"
            } else {
                let shown = entries.prefix(8).joined(separator: ", ") + (entries.count > 8 ? ", … (\(entries.count) entries)" : "")
                holds = "holds \(shown)"
            }
            let missing = Self.missingFiles(entries)
            let lacks = missing.count > 1 ? "; it also lacks \(missing.dropFirst().joined(separator: ", "))" : ""
            let suno = entries.contains { $0.hasSuffix(".pt") }
                ? "\nSuno's original .pt checkpoints carry no codec or tokenizer; speaking needs the Hugging Face layout." : ""
            return "\(path) (\(source)) exists but has no config.json: it \(holds)\(lacks). "
                + Self.expectedLayout.prefix(1).uppercased() + Self.expectedLayout.dropFirst() + "." + suno + "\n"
                + "Fetch the model's files with:  omnibark models pull bark-small --to \(path)  (bark for the large model)\n"
                + "or make a random-weight demo model (noise, no download): omnibark models create-demo --to NEW_DIR"
        }
    }

    public var errorDescription: String? { description }

    /// The parts of `expectedLayout` that `entries` (a directory's names) lack, config.json first.
    static func missingFiles(_ entries: [String]) -> [String] {
        var missing: [String] = []
        if !entries.contains("config.json") { missing.append("config.json") }
        if !entries.contains("model.safetensors") && !entries.contains("pytorch_model.bin") {
            missing.append("model.safetensors (or pytorch_model.bin)")
        }
        for name in ["vocab.txt", "tokenizer_config.json", "generation_config.json"] where !entries.contains(name) { missing.append(name) }
        if !entries.contains("speaker_embeddings") { missing.append("speaker_embeddings/") }
        return missing
    }

    private static let howToGetOne = """
        Download one with:        omnibark models pull bark-small
        or make a random-weight demo model (noise, no download): omnibark models create-demo
        then pass --model DIR or set OMNIBARK_MODEL=DIR.
        """
}
