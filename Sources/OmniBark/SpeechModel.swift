import Audio
import Bark
import Checkpoints
import Encodec
import Foundation
import Tensors
import Watermark

/// A Bark model ready to speak: the three transformers, tokenizer, generation configuration and
/// the EnCodec decoder, loaded from a Hugging Face Bark directory as users download it.
///
/// Immutable and `Sendable`; `speak` may run from several threads at once.
public struct SpeechModel: Sendable {
    /// The model directory (nil for a model made in memory).
    public let directory: URL?
    public private(set) var generator: BarkGenerator
    public let codec: EncodecModel
    /// True for a model made by `omnibark models create-demo` (random weights: not speech).
    public let isDemo: Bool
    /// Things about the directory that change behaviour without stopping the load, one line each,
    /// filled once by `init(directory:)` (see `ModelReadiness.warnings(directory:)`): today a missing
    /// `generation_config.json`, naming the defaults used instead. Empty for a model made in memory.
    /// Callers print them once per run, on stderr.
    public private(set) var warnings: [String] = []
    /// What the load did with the pre-quantized weight cache (`WeightCache`): nil for f32 weights,
    /// a model made in memory, or a load with the cache turned off.
    public private(set) var weightCache: WeightCacheReport?

    /// Loads `directory` (`config.json`, `model.safetensors` or `pytorch_model.bin`, `vocab.txt`,
    /// optional `generation_config.json` and `speaker_embeddings/`), converting the transformers'
    /// linear layers to `weightFormat` while loading (the codec stays float32).
    ///
    /// With `useWeightCache` (the default) a quantized `weightFormat` is read from the model's
    /// pre-quantized weight cache (`WeightCacheLocations`), made on the first load and rebuilt when
    /// stale or damaged; see `weightCache` for what happened.
    public init(directory: URL, weightFormat: WeightFormat = .f32, useWeightCache: Bool = true) throws {
        let source = try BarkModelSource.open(directory)
        guard source.layout == .huggingFace, let configuration = source.configuration, let container = source.containers.first else {
            throw CheckpointError.unreadable(file: directory.path, reason: "speaking needs a Hugging Face Bark directory (Suno's .pt files carry no codec)")
        }
        guard let codecFields = configuration.codec else {
            throw CheckpointError.invalidConfiguration(file: directory.appendingPathComponent("config.json").path,
                                                       field: "codec_config", reason: "missing: the model has no EnCodec decoder")
        }
        let generationConfig = directory.appendingPathComponent("generation_config.json")
        self.directory = directory
        let loaded = try WeightCache.loadModels(
            source: source, format: weightFormat,
            locations: useWeightCache ? WeightCacheLocations.candidates(modelDirectory: directory, format: weightFormat) : [])
        weightCache = loaded.report
        generator = BarkGenerator(
            models: loaded.models,
            tokenizer: try BarkTokenizer(modelDirectory: directory),
            configuration: FileManager.default.fileExists(atPath: generationConfig.path)
                ? try BarkGenerationConfiguration.load(from: generationConfig) : BarkGenerationConfiguration())
        codec = try EncodecModel(
            configuration: try EncodecConfiguration(fields: codecFields, file: directory.appendingPathComponent("config.json").path,
                                                    fieldPrefix: "codec_config."),
            container: container, prefix: "codec_model.")
        isDemo = DemoModel.isDemo(directory: directory)
        warnings = ModelReadiness.warnings(directory: directory)
    }

    /// A model from parts already loaded.
    public init(generator: BarkGenerator, codec: EncodecModel, directory: URL?, isDemo: Bool) {
        self.generator = generator
        self.codec = codec
        self.directory = directory
        self.isDemo = isDemo
    }

    /// This model with the semantic and coarse stages' KV caches stored in `precision`
    /// (`--kv-cache`; f16 halves the cache traffic of a decoding step, see `KVCachePrecision`).
    public func withKVCache(_ precision: KVCachePrecision) -> SpeechModel {
        var copy = self
        copy.generator = BarkGenerator(models: generator.models.withCachePrecision(precision), tokenizer: generator.tokenizer,
                                       configuration: generator.configuration)
        return copy
    }

    /// Output sample rate in Hz (24 000 for Bark).
    public var sampleRate: Int { generator.configuration.sampleRate }

    /// Resolves a voice given as a preset name (`v2/en_speaker_6`) or an `.npz` path, and checks
    /// that it fits this model (`VoicePreset.checkFits`), so a bad preset fails before any work.
    public func voice(_ name: String) throws -> VoicePreset {
        let preset = try VoicePreset.resolve(name, modelDirectory: directory)
        try preset.checkFits(generator.configuration, source: name)
        return preset
    }

    /// Resolves a voice by preset name only (never a path): the model's presets, then `<name>.npz`
    /// in each of `voiceDirectories`; checked to fit this model. For names from untrusted clients.
    public func voice(named name: String, voiceDirectories: [URL]) throws -> VoicePreset {
        let preset = try VoicePreset.named(name, modelDirectory: directory, voiceDirectories: voiceDirectories)
        try preset.checkFits(generator.configuration, source: name)
        return preset
    }

    /// Text → audio. Long text is split at sentence boundaries (see `SpeechOptions.longForm`),
    /// each segment continuing the previous one's voice; segments are joined with a short crossfade.
    public func speak(_ text: String, options: SpeechOptions = SpeechOptions(),
                      progress: GenerationProgressHandler? = nil,
                      segmentStarted: (@Sendable (Int, Int, String) -> Void)? = nil) throws -> SpeechResult {
        try speak(text, options: options, conditioning: nil, allowsEmptyText: false, progress: progress, segmentStarted: segmentStarted)
    }

    /// `speak` with the semantic stage conditioned (`OmniModel`); `allowsEmptyText` lets other
    /// inputs stand in for text (one generation from empty text).
    func speak(_ text: String, options: SpeechOptions, conditioning: (any LayerConditioning)?, allowsEmptyText: Bool,
               progress: GenerationProgressHandler?,
               segmentStarted: (@Sendable (Int, Int, String) -> Void)? = nil) throws -> SpeechResult {
        let base = options.apply(to: generator.configuration)
        var segments = options.longForm ? TextSegmenter().segments(of: text) : [text]
        if segments.isEmpty && allowsEmptyText { segments = [""] }
        guard !segments.isEmpty else { throw SpeechError.emptyText }
        var budget = options.maxDuration.map { Int(($0 * base.semantic.rateHz).rounded(.up)) }
        var voice = options.voice
        var timings = GenerationTimings()
        var generations: [BarkGeneration] = []
        var audio: [[Float]] = []
        for (index, segment) in segments.enumerated() {
            if let remaining = budget, remaining <= 0 { break }
            var configuration = base
            if let remaining = budget { configuration.semantic.maxNewTokens = min(configuration.semantic.maxNewTokens, remaining) }
            segmentStarted?(index, segments.count, segment)
            let generation = try generator.generate(text: segment, voice: voice, configuration: configuration,
                                                    seed: options.seed &+ UInt64(index), timings: &timings,
                                                    conditioning: conditioning, progress: progress)
            budget = budget.map { $0 - generation.semantic.count }
            generations.append(generation)
            // A segment can end at once (EOS first): no frames, nothing to decode, voice unchanged.
            guard generation.frames > 0 else { continue }
            audio.append(try timings.measure(\.codec) { try codec.decode(codes: generation.fine) })
            if index < segments.count - 1 { voice = try generation.voicePreset(configuration: base) }
        }
        var samples = audio.count == 1 ? audio[0] : AudioJoin.join(audio, sampleRate: sampleRate)  // [] when none
        if let maxDuration = options.maxDuration {
            samples = Array(samples.prefix(Int(maxDuration * Double(sampleRate))))
        }
        if let watermark = options.watermark { samples = WatermarkEmbedder.embed(samples, settings: watermark) }
        return SpeechResult(audio: samples, sampleRate: sampleRate, segments: generations, timings: timings)
    }
}

/// Errors from `SpeechModel.speak`.
public enum SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyText
    public var description: String {
        switch self {
        case .emptyText: return "there is no text to speak"
        }
    }
}
