import Bark
import Checkpoints
import Encodec
import Foundation
import Modalities
import Tensors

/// Reference audio for `generateAudio`: a WAV file, or samples at any rate/channel count.
public enum ReferenceAudioInput: Sendable {
    case file(URL)
    /// Interleaved samples.
    case samples([Float], sampleRate: Int, channels: Int)
}

/// An image for `generateAudio`: a PNG/JPEG file, decoded RGB, or CLIP pixel values `[3, S, S]`.
public enum ImageInput: Sendable {
    case file(URL)
    case decoded(RGBImage)
    case pixels(Tensor)
}

/// Options of one `generateAudio` call: the speech options plus the conditioning settings.
public struct OmniOptions: Sendable {
    public var speech = SpeechOptions()
    /// Instruction prefix for the text adapter, e.g. "[calm]" or "[whisper]".
    public var styleInstruction: String?
    /// Per-modality priority and weight.
    public var routing = ModalityRouting()
    /// Run only this many fusion layers, the lowest ones: the latency router's drop-fusion-layers
    /// step by hand (nil: all). Around control events the others run anyway (`ControlEventWindows`).
    public var fusionLayers: Int?
    public init() {}
}

/// What `generateAudio` produced: the audio and tokens (`speech`) plus what conditioned them.
public struct OmniResult: Sendable {
    public let speech: SpeechResult
    /// Modalities that went through the adapters.
    public let conditionedModalities: [Modality]
    /// Modalities given but not used (no adapter file loaded, or weight 0).
    public let ignoredModalities: [Modality]
    /// `g_route` per modality (empty without adapters).
    public let routeWeights: [Float]
    /// Memory rows the cross-attention attends over.
    public let memoryTokens: Int
    /// Seconds spent in the encoders and adapters (once per utterance).
    public let conditioningSeconds: Double

    /// PCM, mono, at `sampleRate`.
    public var audio: [Float] { speech.audio }
    public var sampleRate: Int { speech.sampleRate }
    /// Every segment's tokens as one generation.
    public func fullGeneration() -> BarkGeneration { speech.fullGeneration() }
}

/// Errors of the omnimodal path.
public enum OmniError: Error, Sendable, Equatable, CustomStringConvertible {
    case adaptersDoNotFit(file: String, reason: String)
    /// `fusionLayers` asked for fewer than 1 or more than the adapter file has.
    case fusionLayersOutOfRange(requested: Int, available: Int)
    public var description: String {
        switch self {
        case let .adaptersDoNotFit(file, reason): return "\(file): adapter file does not fit this model: \(reason)"
        case let .fusionLayersOutOfRange(requested, available):
            return requested < 1 ? "fusion layers \(requested): at least 1 must run"
                : "fusion layers \(requested): the adapter file has only \(available)"
        }
    }
}

extension OmniError: LocalizedError {
    public var errorDescription: String? { description }
}

/// A `SpeechModel` plus optional adapters (conditioning the semantic stage) and an optional CLIP
/// vision tower. Without adapters, or with adapters whose gates are all 0, the output is exactly
/// plain Bark's for the same seed.
///
/// Immutable and `Sendable`.
public struct OmniModel: Sendable {
    public let speech: SpeechModel
    public let adapters: OmniAdapters?
    public let vision: CLIPVisionTower?

    public init(speech: SpeechModel, adapters: OmniAdapters? = nil, vision: CLIPVisionTower? = nil,
                adapterFile: String = "adapters") throws {
        let semantic = speech.generator.models.semantic.configuration
        if let adapters {
            let c = adapters.configuration
            if c.hiddenSize != semantic.hiddenSize {
                throw OmniError.adaptersDoNotFit(file: adapterFile, reason: "hidden_size \(c.hiddenSize), the semantic model has \(semantic.hiddenSize)")
            }
            if let bad = c.fusionLayers.first(where: { $0 >= semantic.layers }) {
                throw OmniError.adaptersDoNotFit(file: adapterFile, reason: "fusion layer \(bad), the semantic model has \(semantic.layers) layers")
            }
            if let vision, vision.configuration.hiddenSize != c.imageInputSize {
                throw OmniError.adaptersDoNotFit(file: adapterFile,
                                                 reason: "image_input_size \(c.imageInputSize), the CLIP tower's hidden size is \(vision.configuration.hiddenSize)")
            }
            if c.audioInputSize != speech.codec.configuration.hiddenSize {
                throw OmniError.adaptersDoNotFit(file: adapterFile,
                                                 reason: "audio_input_size \(c.audioInputSize), EnCodec's embedding width is \(speech.codec.configuration.hiddenSize)")
            }
        }
        self.speech = speech
        self.adapters = adapters
        self.vision = vision
    }

    /// Loads the adapter file and CLIP directory when given.
    public init(speech: SpeechModel, adapterFile: URL?, clipDirectory: URL?) throws {
        try self.init(speech: speech, adapters: try adapterFile.map { try AdapterCheckpoint.load(contentsOf: $0) },
                      vision: try clipDirectory.map { try CLIPVisionTower.load(directory: $0) },
                      adapterFile: adapterFile?.path ?? "adapters")
    }

    /// The encoders for this model (semantic embeddings, EnCodec encoder, CLIP).
    public var encoder: ModalityEncoder {
        ModalityEncoder(semantic: speech.generator.models.semantic, tokenizer: speech.generator.tokenizer,
                        textEncodingOffset: speech.generator.configuration.semantic.textEncodingOffset,
                        codec: speech.codec, vision: vision)
    }

    /// The CLIP preprocessing for this model's tower (224 without one).
    public var imagePreprocessor: CLIPImagePreprocessor {
        vision.map { CLIPImagePreprocessor(configuration: $0.configuration) } ?? CLIPImagePreprocessor()
    }

    /// Any mix of text, reference audio, image and control events → audio. At least one input is
    /// required (`ModalityError.noInput`).
    public func generateAudio(text: String? = nil, referenceAudio: ReferenceAudioInput? = nil, image: ImageInput? = nil,
                              controlEvents: [ControlEvent] = [], options: OmniOptions = OmniOptions(),
                              progress: GenerationProgressHandler? = nil) throws -> OmniResult {
        let audio: [Float]? = try referenceAudio.map {
            switch $0 {
            case let .file(url): return try ModalityBundle.loadReferenceAudio(contentsOf: url)
            case let .samples(samples, rate, channels):
                return try ModalityBundle.normalizeReferenceAudio(samples, sampleRate: rate, channels: channels)
            }
        }
        let pixels: Tensor? = try image.map {
            switch $0 {
            case let .file(url): return try ModalityBundle.loadImage(contentsOf: url, preprocessor: imagePreprocessor)
            case let .decoded(rgb): return imagePreprocessor(rgb)
            case let .pixels(tensor): return tensor
            }
        }
        let bundle = try ModalityBundle(text: text, styleInstruction: options.styleInstruction, referenceAudio: audio,
                                        image: pixels, controlEvents: controlEvents, routing: options.routing)
        return try generateAudio(bundle: bundle, options: options.speech, fusionLayers: options.fusionLayers, progress: progress)
    }

    /// Generates from a validated bundle. The memory is computed once per utterance and shared by
    /// every long-form segment; the fusion block runs inside the semantic stage at each step, with
    /// only the lowest `fusionLayers` of its layers away from control events when that is given.
    ///
    /// - Throws: `OmniError.fusionLayersOutOfRange` when `fusionLayers` is not within the adapter
    ///   file's layers.
    public func generateAudio(bundle: ModalityBundle, options: SpeechOptions = SpeechOptions(), fusionLayers: Int? = nil,
                              progress: GenerationProgressHandler? = nil) throws -> OmniResult {
        if let fusionLayers, let adapters, !(1...max(1, adapters.layers.count)).contains(fusionLayers) {
            throw OmniError.fusionLayersOutOfRange(requested: fusionLayers, available: adapters.layers.count)
        }
        let given = bundle.presentModalities
        var conditioning: FusionConditioning?
        var used: [Modality] = []
        var routeWeights: [Float] = []
        var memoryTokens = 0
        let start = DispatchTime.now().uptimeNanoseconds
        if let adapters, !given.isEmpty {
            let features = try encoder.features(for: bundle)
            let memory = try adapters.memory(features, routing: bundle.routing)
            if !memory.isEmpty {
                conditioning = FusionConditioning(adapters: adapters, memory: memory, keepingLayers: fusionLayers)
                used = Modality.allCases.filter { memory.owners.contains($0) }
                routeWeights = memory.routeWeights
                memoryTokens = memory.owners.count
            }
        }
        let conditioningSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let speechResult = try speech.speak(bundle.text ?? "", options: options, conditioning: conditioning,
                                            allowsEmptyText: true, progress: progress)
        return OmniResult(speech: speechResult, conditionedModalities: used,
                          ignoredModalities: given.filter { !used.contains($0) }, routeWeights: routeWeights,
                          memoryTokens: memoryTokens, conditioningSeconds: conditioningSeconds)
    }
}

extension SpeechModel {
    /// Plain Bark with the omnimodal inputs: any mix of text, reference audio, image and control
    /// events (at least one). Without adapters the non-text inputs are validated but cannot
    /// condition anything (`OmniResult.ignoredModalities`); use `OmniModel` with an adapter file.
    public func generateAudio(text: String? = nil, referenceAudio: ReferenceAudioInput? = nil, image: ImageInput? = nil,
                              controlEvents: [ControlEvent] = [], options: OmniOptions = OmniOptions(),
                              progress: GenerationProgressHandler? = nil) throws -> OmniResult {
        try OmniModel(speech: self).generateAudio(text: text, referenceAudio: referenceAudio, image: image,
                                                  controlEvents: controlEvents, options: options, progress: progress)
    }
}
