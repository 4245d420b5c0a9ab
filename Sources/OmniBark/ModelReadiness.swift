import Bark
import Checkpoints
import Encodec
import Foundation

/// Whether a Hugging Face Bark directory has everything `SpeechModel(directory:)` needs besides
/// the transformers' tensors (which `CheckpointInspection` checks): the codec configuration and
/// weights, the tokenizer's `vocab.txt` (and a valid `tokenizer_config.json` when present), and a
/// valid `generation_config.json` when present. `omnibark inspect` prints the result.
///
/// Reads the small files and the codec's weights (EnCodec: tens of MB for Bark), not the
/// transformers' weights. A value, computed once; `Sendable`.
public struct ModelReadiness: Sendable, Equatable {
    /// What would make loading fail, one line each, naming the file.
    public let problems: [String]
    /// What loads but changes behaviour (see `warnings(directory:)`), one line each.
    public let warnings: [String]

    /// True when loading the directory for speech would not fail for any of these reasons.
    public var isUsable: Bool { problems.isEmpty }

    /// Checks `directory` (a Hugging Face Bark directory with `config.json`).
    public init(directory: URL) {
        var problems: [String] = []
        do {
            let source = try BarkModelSource.open(directory)
            problems += Self.codecProblems(source, directory: directory)
        } catch {
            problems.append(ErrorMessage.reason(error))
        }
        do {
            _ = try BarkTokenizer(modelDirectory: directory)
        } catch TokenizerError.missingFile(let file) {
            problems.append("\(file) is missing: the tokenizer needs it (it comes with the model)")
        } catch {
            problems.append(ErrorMessage.reason(error))
        }
        let generation = directory.appendingPathComponent("generation_config.json")
        if FileManager.default.fileExists(atPath: generation.path) {
            do { _ = try BarkGenerationConfiguration.load(from: generation) } catch { problems.append(ErrorMessage.reason(error)) }
        }
        self.problems = problems
        warnings = Self.warnings(directory: directory)
    }

    /// The warnings loading `directory` deserves; cheap (file existence only). Today one: a missing
    /// `generation_config.json`, which silently changes sampling to the built-in defaults.
    public static func warnings(directory: URL) -> [String] {
        let generation = directory.appendingPathComponent("generation_config.json")
        guard !FileManager.default.fileExists(atPath: generation.path) else { return [] }
        return ["warning: \(directory.path) has no generation_config.json, so built-in defaults are used: "
                + defaultsSummary(BarkGenerationConfiguration())
                + ". Sampling options given on the command line still apply; "
                + "fetch the file again (omnibark models pull) to generate as the model was configured."]
    }

    /// "greedy decoding (do_sample false) in the semantic and coarse stages, …" for `defaults`.
    static func defaultsSummary(_ defaults: BarkGenerationConfiguration) -> String {
        func stage(_ sampling: SamplingOptions) -> String {
            sampling.doSample ? "sampling at temperature \(sampling.temperature), top_k \(sampling.topK.map(String.init) ?? "none")"
                : "greedy decoding (do_sample false)"
        }
        let semantic = stage(defaults.semantic.sampling), coarse = stage(defaults.coarse.sampling)
        let stages = semantic == coarse ? "\(semantic) in the semantic and coarse stages"
            : "\(semantic) in the semantic stage, \(coarse) in the coarse stage"
        let fine = defaults.fine.temperature.map { $0 == 1 ? "argmax in the fine stage (temperature 1)" : "fine temperature \($0)" }
            ?? "argmax in the fine stage"
        let eos = defaults.semantic.minEOSProbability.map { "min_eos_p \($0)" } ?? "no min_eos_p"
        return "\(stages), \(fine), \(eos), at most \(defaults.semantic.maxNewTokens) new semantic tokens"
    }

    /// The codec configuration must exist and parse, and its weights must all be present with the right shapes.
    private static func codecProblems(_ source: BarkModelSource, directory: URL) -> [String] {
        guard source.layout == .huggingFace, let configuration = source.configuration, let container = source.containers.first else {
            return ["\(directory.path) holds Suno's original checkpoints: speaking needs a Hugging Face Bark directory "
                    + "(they carry no codec or tokenizer)"]
        }
        let configFile = directory.appendingPathComponent("config.json").path
        guard let fields = configuration.codec else {
            return ["\(configFile) has no codec_config: the model has no EnCodec decoder"]
        }
        do {
            let codec = try EncodecConfiguration(fields: fields, file: configFile, fieldPrefix: "codec_config.")
            _ = try EncodecModel(configuration: codec, container: container, prefix: "codec_model.")
            return []
        } catch {
            return [ErrorMessage.reason(error)]
        }
    }
}
