import Bark
import Checkpoints
import Encodec
import Foundation
import Tensors

/// The published Bark model shapes, for benchmarks with random weights (speed does not depend on
/// weight values).
public enum BarkShape: String, Sendable, CaseIterable {
    /// `suno/bark-small`: 12 layers, 12 heads, hidden 768 in each transformer.
    case barkSmall = "bark-small"
    /// `suno/bark`: 24 layers, 16 heads, hidden 1024.
    case bark

    public func configuration(_ stage: BarkStage) -> BarkTransformerConfiguration {
        let (layers, heads, hidden) = self == .barkSmall ? (12, 12, 768) : (24, 16, 1024)
        switch stage {
        case .semantic:
            return BarkTransformerConfiguration(stage: .semantic, blockSize: 1024, inputVocabularySize: 129_600,
                                                outputVocabularySize: 10_048, layers: layers, heads: heads, hiddenSize: hidden, bias: false)
        case .coarse:
            return BarkTransformerConfiguration(stage: .coarse, blockSize: 1024, inputVocabularySize: 12_096,
                                                outputVocabularySize: 12_096, layers: layers, heads: heads, hiddenSize: hidden, bias: false)
        case .fine:
            return BarkTransformerConfiguration(stage: .fine, blockSize: 1024, inputVocabularySize: 1056, outputVocabularySize: 1056,
                                                layers: layers, heads: heads, hiddenSize: hidden, bias: false,
                                                codebooksTotal: 8, codebooksGiven: 1, tiesOutputEmbeddings: true)
        }
    }

    /// EnCodec 24 kHz as Bark uses it (transformers' `EncodecConfig` defaults).
    public static let codecFields: [String: CheckpointValue] = {
        var fields = DemoModel.codecConfiguration
        fields["num_filters"] = .int(32)
        fields["hidden_size"] = .int(128)
        fields["codebook_dim"] = .int(128)
        return fields
    }()
}

extension SpeechModel {
    /// A model of `shape` with deterministic random weights made in memory (no files): Bark's
    /// constants, sampling at temperature 0.7 in the semantic and coarse stages, no forced EOS (so
    /// runs have a predictable length), and the demo vocabulary and a random voice.
    public static func synthetic(shape: BarkShape, seed: UInt64 = 1, weightFormat: WeightFormat = .f32) throws -> SpeechModel {
        var random = NormalRandom(seed: seed)
        var tensors: [String: Tensor] = [:]
        var lazy: [String: TensorInfo] = [:]
        for stage in BarkStage.allCases {
            for expected in BarkTensorLayout.expectedTensors(shape.configuration(stage)) where !expected.isOptional {
                let name = stage.checkpointPrefix + expected.name
                if expected.name.contains("layernorm") {
                    tensors[name] = Tensor(zeros: expected.shape, value: expected.name.hasSuffix(".weight") ? 1 : 0)
                } else {
                    lazy[name] = TensorInfo(name: name, dtype: .float32, shape: expected.shape)
                }
            }
        }
        for (name, tensor) in DemoCodecWeights.make(codecFields: BarkShape.codecFields, random: &random) {
            tensors["codec_model." + name] = tensor
        }
        let container = RandomTensorContainer(label: shape.rawValue, tensors: tensors, randomTensors: lazy, seed: seed)
        let models = try BarkModels(
            semantic: BarkCausalModel(configuration: shape.configuration(.semantic), tensors: StageTensors(huggingFace: container, stage: .semantic),
                                      weightFormat: weightFormat),
            coarse: BarkCausalModel(configuration: shape.configuration(.coarse), tensors: StageTensors(huggingFace: container, stage: .coarse),
                                    weightFormat: weightFormat),
            fine: BarkFineModel(configuration: shape.configuration(.fine), tensors: StageTensors(huggingFace: container, stage: .fine),
                                weightFormat: weightFormat),
            weightFormat: weightFormat)
        var configuration = BarkGenerationConfiguration()
        configuration.semantic.sampling = SamplingOptions(doSample: true, temperature: 0.7)
        configuration.coarse.sampling = SamplingOptions(doSample: true, temperature: 0.7)
        let tokenizer = try BarkTokenizer(vocabulary: BertVocabulary(lines: DemoVocabulary.lines), configuration: TokenizerConfiguration(),
                                          vocabularyPath: "<demo vocabulary>")
        let codec = try EncodecModel(
            configuration: try EncodecConfiguration(fields: BarkShape.codecFields, file: "<\(shape.rawValue) codec>"),
            container: container, prefix: "codec_model.")
        return SpeechModel(generator: BarkGenerator(models: models, tokenizer: tokenizer, configuration: configuration),
                           codec: codec, directory: nil, isDemo: true)
    }

    /// A random voice preset of Bark's shape (semantic 200 tokens, 300 frames of codes).
    public static func randomVoice(seed: UInt64 = 2) throws -> VoicePreset {
        var random = NormalRandom(seed: seed)
        let codes = (0..<8).map { _ in (0..<300).map { _ in random.uniformInt(1024) } }
        return try VoicePreset(semanticPrompt: (0..<200).map { _ in random.uniformInt(10_000) },
                               coarsePrompt: Array(codes.prefix(2)), finePrompt: codes, source: "<random voice>")
    }
}

/// Tensors held in memory plus tensors drawn on demand from a seeded uniform distribution
/// (standard deviation 0.02, embeddings 1), deterministic per name.
///
/// Thread safety: immutable; `floatTensor` may be called from any thread.
struct RandomTensorContainer: TensorContainer {
    let url: URL
    let format = CheckpointFormat.safetensors
    let tensorInfos: [String: TensorInfo]
    let attributes: [String: CheckpointValue] = [:]
    private let tensors: [String: Tensor]
    private let seed: UInt64

    init(label: String, tensors: [String: Tensor], randomTensors: [String: TensorInfo], seed: UInt64) {
        url = URL(fileURLWithPath: "/memory/random-\(label)")
        var infos = randomTensors
        for (name, tensor) in tensors { infos[name] = TensorInfo(name: name, dtype: .float32, shape: tensor.shape) }
        tensorInfos = infos
        self.tensors = tensors
        self.seed = seed
    }

    func floatTensor(_ name: String) throws -> Tensor {
        if let tensor = tensors[name] { return tensor }
        guard let info = tensorInfos[name] else { throw CheckpointError.missingTensor(file: url.path, tensor: name) }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a of the name: a stable per-tensor seed
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var random = NormalRandom(seed: seed ^ hash)
        return random.tensor(info.shape, standardDeviation: name.contains("embeds") ? 1 : 0.02)
    }
}
