import Bark
import Checkpoints
import Foundation
import Tensors

/// A tiny random-weight Bark model in the real Hugging Face layout (`config.json` with Bark's
/// vocabulary sizes and EnCodec 24 kHz structure, nested `generation_config.json` with Bark's
/// constants, `model.safetensors`, `vocab.txt`, `speaker_embeddings/`), so the whole pipeline runs
/// on a fresh machine with no download. Its output is noise, not speech.
public enum DemoModel {
    /// The key in `config.json` that marks a demo model.
    public static let markerKey = "omnibark_demo_model"
    /// The voice preset the demo model ships.
    public static let voiceName = "v2/demo_speaker_0"
    /// Printed once per run on a demo model.
    public static let warning = "note: this is the OmniBark demo model: its weights are random, so its output is noise, not speech. "
        + "Get a real model with `omnibark models pull bark-small`."

    /// Whether `directory` holds a demo model.
    public static func isDemo(directory: URL) -> Bool {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("config.json")),
              case let .dictionary(root)? = try? CheckpointValue.parseJSON(data, file: "config.json") else { return false }
        return root[markerKey] == .bool(true)
    }

    /// Writes the demo model into `directory` (created if needed). Deterministic for a seed.
    ///
    /// A directory that already holds files is refused (`DemoModelError.directoryNotEmpty`) unless
    /// `overwrite` is true, so an existing model's `config.json` and weights are never replaced by
    /// accident. Every failure is a `DemoModelError` naming the path and the reason.
    ///
    /// `shape` writes the transformers and codec at a published model's size instead of the tiny
    /// demo size (random weights all the same; `bark-small` is about 1.6 GB on disk), e.g. to
    /// measure loading and the weight cache on real shapes.
    public static func create(at directory: URL, seed: UInt64 = 1, overwrite: Bool = false, shape: BarkShape? = nil) throws {
        let stageConfiguration = { (stage: BarkStage) in shape?.configuration(stage) ?? Self.stageConfiguration(stage) }
        let codecConfiguration = shape == nil ? Self.codecConfiguration : BarkShape.codecFields
        try prepare(directory, overwrite: overwrite)
        var random = NormalRandom(seed: seed)
        var tensors: [String: Tensor] = [:]
        for stage in BarkStage.allCases {
            for expected in BarkTensorLayout.expectedTensors(stageConfiguration(stage)) where !expected.isOptional {
                tensors[stage.checkpointPrefix + expected.name] = randomTensor(name: expected.name, shape: expected.shape, random: &random)
            }
        }
        for (name, tensor) in DemoCodecWeights.make(codecFields: codecConfiguration, random: &random) {
            tensors["codec_model." + name] = tensor
        }
        let weights = directory.appendingPathComponent("model.safetensors")
        try writing(weights) { try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: weights) }
        try write(json: configJSON(stageConfiguration: stageConfiguration, codecConfiguration: codecConfiguration),
                  to: directory.appendingPathComponent("config.json"))
        try write(json: generationConfigJSON, to: directory.appendingPathComponent("generation_config.json"))
        try write(json: #"{"do_lower_case": false, "tokenize_chinese_chars": true, "strip_accents": null, "unk_token": "[UNK]", "tokenizer_class": "BertTokenizer"}"#,
                  to: directory.appendingPathComponent("tokenizer_config.json"))
        let vocabulary = directory.appendingPathComponent("vocab.txt")
        try writing(vocabulary) {
            try AtomicFileWriter.write(Data(DemoVocabulary.lines.joined(separator: "\n").appending("\n").utf8), to: vocabulary)
        }
        try writeVoice(into: directory, random: &random)
    }

    /// Creates `directory`, or checks that it is a directory that may be written into.
    private static func prepare(_ directory: URL, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DemoModelError.notADirectory(path: directory.path) }
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            } catch {
                throw DemoModelError.cannotWrite(path: directory.path, reason: "cannot list it: \(ErrorMessage.reason(error))")
            }
            if !entries.isEmpty && !overwrite { throw DemoModelError.directoryNotEmpty(path: directory.path, entries: entries) }
            return
        }
        try createDirectory(directory)
    }

    private static func createDirectory(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DemoModelError.cannotCreateDirectory(path: directory.path, reason: ErrorMessage.reason(error))
        }
    }

    /// Runs `body`, which writes `url`, turning its failure into `DemoModelError.cannotWrite`.
    private static func writing(_ url: URL, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch CheckpointError.unwritable(let file, let reason), CheckpointError.unreadable(let file, let reason) {
            throw DemoModelError.cannotWrite(path: file, reason: reason)
        } catch {
            throw DemoModelError.cannotWrite(path: url.path, reason: ErrorMessage.reason(error))
        }
    }

    // MARK: - Configuration

    static func stageConfiguration(_ stage: BarkStage) -> BarkTransformerConfiguration {
        switch stage {
        case .semantic:
            return BarkTransformerConfiguration(stage: .semantic, blockSize: 1024, inputVocabularySize: 129_600,
                                                outputVocabularySize: 10_048, layers: 2, heads: 2, hiddenSize: 32, bias: false)
        case .coarse:
            return BarkTransformerConfiguration(stage: .coarse, blockSize: 1024, inputVocabularySize: 12_096,
                                                outputVocabularySize: 12_096, layers: 2, heads: 2, hiddenSize: 32, bias: false)
        case .fine:
            return BarkTransformerConfiguration(stage: .fine, blockSize: 1024, inputVocabularySize: 1056,
                                                outputVocabularySize: 1056, layers: 2, heads: 2, hiddenSize: 32, bias: false,
                                                codebooksTotal: 8, codebooksGiven: 1, tiesOutputEmbeddings: true)
        }
    }

    /// EnCodec 24 kHz structure (ratios, kernels, LSTM, 32 quantizers of 1024 codes) at a tiny width.
    static let codecConfiguration: [String: CheckpointValue] = [
        "model_type": .string("encodec"), "sampling_rate": .int(24_000), "audio_channels": .int(1),
        "num_filters": .int(4), "num_residual_layers": .int(1), "upsampling_ratios": .array([.int(8), .int(5), .int(4), .int(2)]),
        "norm_type": .string("weight_norm"), "kernel_size": .int(7), "last_kernel_size": .int(7), "residual_kernel_size": .int(3),
        "dilation_growth_rate": .int(2), "use_causal_conv": .bool(true), "pad_mode": .string("reflect"), "compress": .int(2),
        "num_lstm_layers": .int(2), "trim_right_ratio": .double(1.0), "codebook_size": .int(1024), "codebook_dim": .int(16),
        "hidden_size": .int(16), "target_bandwidths": .array([.double(1.5), .double(3), .double(6), .double(12), .double(24)]),
        "use_conv_shortcut": .bool(true), "normalize": .bool(false),
    ]

    private static func configJSON(stageConfiguration: (BarkStage) -> BarkTransformerConfiguration,
                                   codecConfiguration: [String: CheckpointValue]) -> String {
        func stage(_ c: BarkTransformerConfiguration, _ type: String) -> String {
            var fields = ["\"block_size\": \(c.blockSize)", "\"input_vocab_size\": \(c.inputVocabularySize)",
                          "\"output_vocab_size\": \(c.outputVocabularySize)", "\"num_layers\": \(c.layers)",
                          "\"num_heads\": \(c.heads)", "\"hidden_size\": \(c.hiddenSize)", "\"bias\": \(c.bias)",
                          "\"dropout\": 0.0", "\"model_type\": \"\(type)\""]
            if c.stage == .fine {
                fields += ["\"n_codes_total\": \(c.codebooksTotal)", "\"n_codes_given\": \(c.codebooksGiven)", "\"tie_word_embeddings\": true"]
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        let codec = codecConfiguration.keys.sorted().map { "\"\($0)\": \(json(codecConfiguration[$0] ?? .null))" }.joined(separator: ", ")
        return """
        {"architectures": ["BarkModel"], "model_type": "bark", "\(markerKey)": true,
         "semantic_config": \(stage(stageConfiguration(.semantic), "semantic")),
         "coarse_acoustics_config": \(stage(stageConfiguration(.coarse), "coarse_acoustics")),
         "fine_acoustics_config": \(stage(stageConfiguration(.fine), "fine_acoustics")),
         "codec_config": {\(codec)}}
        """
    }

    /// Bark's generation constants; sampling like Suno's defaults, and a short semantic limit so the
    /// demo finishes in seconds.
    static let generationConfigJSON = """
    {"codebook_size": 1024, "sample_rate": 24000,
     "semantic_config": {"eos_token_id": 10000, "semantic_pad_token": 10000, "text_encoding_offset": 10048,
       "text_pad_token": 129595, "semantic_infer_token": 129599, "semantic_vocab_size": 10000,
       "max_input_semantic_length": 256, "semantic_rate_hz": 49.9, "max_new_tokens": 150, "min_eos_p": 0.2,
       "do_sample": true, "temperature": 0.7},
     "coarse_acoustics_config": {"coarse_semantic_pad_token": 12048, "coarse_rate_hz": 75, "n_coarse_codebooks": 2,
       "coarse_infer_token": 12050, "max_coarse_input_length": 256, "max_coarse_history": 630, "sliding_window_len": 60,
       "do_sample": true, "temperature": 0.7},
     "fine_acoustics_config": {"temperature": 0.5, "max_fine_history_length": 512, "max_fine_input_length": 1024, "n_fine_codebooks": 8}}
    """

    private static func json(_ value: CheckpointValue) -> String {
        switch value {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return String(d)
        case let .string(s): return "\"\(s)\""
        case let .array(items): return "[" + items.map(json).joined(separator: ", ") + "]"
        case let .dictionary(d): return "{" + d.keys.sorted().map { "\"\($0)\": \(json(d[$0] ?? .null))" }.joined(separator: ", ") + "}"
        }
    }

    private static func write(json: String, to url: URL) throws {
        try writing(url) { try AtomicFileWriter.write(Data(json.utf8), to: url) }
    }

    // MARK: - Weights and voice

    /// LayerNorm weights 1 and biases 0; embeddings with standard deviation 1; everything else 0.02,
    /// the scales transformers initialises Bark with.
    private static func randomTensor(name: String, shape: [Int], random: inout NormalRandom) -> Tensor {
        if name.contains("layernorm") { return Tensor(zeros: shape, value: name.hasSuffix(".weight") ? 1 : 0) }
        return random.tensor(shape, standardDeviation: name.contains("embeds") ? 1 : 0.02)
    }

    private static func writeVoice(into directory: URL, random: inout NormalRandom) throws {
        let folder = directory.appendingPathComponent("speaker_embeddings/v2")
        try createDirectory(folder)
        let frames = 300, semanticLength = 200
        let semantic = (0..<semanticLength).map { _ in random.uniformInt(10_000) }
        let codes = (0..<8).map { _ in (0..<frames).map { _ in random.uniformInt(1024) } }
        let base = "demo_speaker_0"
        let arrays: [(String, [Int], [Int])] = [("semantic", semantic, [semanticLength]),
                                                 ("coarse", Array(codes[0..<2].joined()), [2, frames]),
                                                 ("fine", Array(codes.joined()), [8, frames])]
        for (name, values, shape) in arrays {
            let url = folder.appendingPathComponent("\(base)_\(name)_prompt.npy")
            try writing(url) { try NumpyWriter.write(try NumpyWriter.npyBytes(integers: values, shape: shape, as: .int64), to: url) }
        }
        let entry = ["semantic_prompt", "coarse_prompt", "fine_prompt"]
            .map { "\"\($0)\": \"speaker_embeddings/v2/\(base)_\($0).npy\"" }.joined(separator: ", ")
        try write(json: "{\"repo_or_path\": \".\", \"\(voiceName)\": {\(entry)}}",
                  to: directory.appendingPathComponent(VoicePreset.speakerEmbeddingsIndexName))
    }
}

/// Seeded random draws for the demo weights. Weights are uniform with the requested standard
/// deviation (cheaper than normal draws for millions of values; the distribution does not matter
/// for a noise model).
struct NormalRandom {
    private var generator: SeededRandomGenerator
    init(seed: UInt64) { generator = SeededRandomGenerator(seed: seed) }

    /// Uniform in [−√3·σ, √3·σ], whose standard deviation is σ.
    mutating func tensor(_ shape: [Int], standardDeviation: Float) -> Tensor {
        let count = shape.reduce(1, *)
        let scale = 3.0.squareRoot() * Double(standardDeviation)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = Float((generator.nextUnitInterval() * 2 - 1) * scale) }
        return Tensor(shape: shape, scalars: values)
    }

    mutating func uniformInt(_ upperBound: Int) -> Int { Int(generator.next() % UInt64(upperBound)) }
}
