import Foundation
import Audio
import Tensors

/// The four conditioning modalities, in the order used by type tags, the routing MLP and the
/// adapter checkpoint (`type_tags.weight` row = `rawValue`).
public enum Modality: Int, Sendable, Equatable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case text = 0, audio = 1, image = 2, control = 3

    public var description: String {
        switch self {
        case .text: return "text"
        case .audio: return "reference audio"
        case .image: return "image"
        case .control: return "control events"
        }
    }
}

/// How much one modality counts when the fusion block mixes them.
///
/// - `priority`: higher wins when something must be dropped (the latency router skips adapters
///   in increasing priority order); ties keep the default order text, audio, image, control.
/// - `weight`: multiplies the routing MLP's output for this modality before the softmax is
///   renormalised (`logit + log(weight)`); 0 switches the modality off. With format-3 adapters the
///   resulting routing weights also bias the cross-attention (`CrossAttentionLayer.routeSharpness`), so
///   the heavier of two modalities that disagree decides; from format 4 the heaviest one's values are
///   used at full strength, so it decides about as often as when it is alone.
public struct ModalityRoute: Sendable, Equatable, Codable {
    public var priority: Int
    public var weight: Float
    public init(priority: Int = 0, weight: Float = 1) {
        self.priority = priority
        self.weight = weight
    }
}

/// Per-modality routing metadata carried by a `ModalityBundle`.
public struct ModalityRouting: Sendable, Equatable, Codable {
    public var text = ModalityRoute()
    public var audio = ModalityRoute()
    public var image = ModalityRoute()
    public var control = ModalityRoute()

    public init() {}

    /// "Prefer reference-audio prosody over text punctuation": audio outranks text and weighs twice
    /// as much; image and control stay neutral.
    public static var preferReferenceProsody: ModalityRouting {
        var r = ModalityRouting()
        r.audio = ModalityRoute(priority: 2, weight: 2)
        r.text = ModalityRoute(priority: 1, weight: 1)
        return r
    }

    public subscript(modality: Modality) -> ModalityRoute {
        get {
            switch modality {
            case .text: return text
            case .audio: return audio
            case .image: return image
            case .control: return control
            }
        }
        set {
            switch modality {
            case .text: text = newValue
            case .audio: audio = newValue
            case .image: image = newValue
            case .control: control = newValue
            }
        }
    }

    /// Modalities from most to least preferred (priority, then the default order).
    public func byPriority(_ modalities: [Modality] = Modality.allCases) -> [Modality] {
        modalities.sorted { self[$0].priority != self[$1].priority ? self[$0].priority > self[$1].priority : $0.rawValue < $1.rawValue }
    }
}

/// Why a `ModalityBundle` (or an input to it) was rejected.
public enum ModalityError: Error, Sendable, Equatable, CustomStringConvertible {
    case noInput
    case emptyReferenceAudio(source: String)
    case nonFiniteReferenceAudio(source: String, index: Int)
    case referenceAudioTooLong(source: String, seconds: Double, limit: Double)
    case invalidSampleFormat(source: String, reason: String)
    case invalidImage(source: String, reason: String)
    case invalidRoute(modality: Modality, reason: String)
    case invalidControlEvent(index: Int, reason: String)
    case invalidText(reason: String)

    public var description: String {
        switch self {
        case .noInput: return "no input: give at least one of text, reference audio, an image or control events"
        case let .emptyReferenceAudio(source): return "\(source): the reference audio has no samples"
        case let .nonFiniteReferenceAudio(source, index): return "\(source): reference audio sample \(index) is NaN or infinite"
        case let .referenceAudioTooLong(source, seconds, limit):
            return "\(source): reference audio is \(String(format: "%.1f", seconds)) s long, over the limit of \(String(format: "%.1f", limit)) s"
        case let .invalidSampleFormat(source, reason): return "\(source): unsupported reference audio: \(reason)"
        case let .invalidImage(source, reason): return "\(source): unusable image: \(reason)"
        case let .invalidRoute(modality, reason): return "routing for \(modality): \(reason)"
        case let .invalidControlEvent(index, reason): return "control event \(index): \(reason)"
        case let .invalidText(reason): return "text: \(reason)"
        }
    }
}

extension ModalityError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Normalised inputs for one utterance plus routing metadata.
///
/// - `text`: what to say (goes through Bark's normal text path);
/// - `styleInstruction`: an optional prefix such as "[calm]" for the text adapter;
/// - `referenceAudio`: mono, 24 kHz, finite samples (downmixed and resampled on construction);
/// - `image`: CLIP pixel values `[3, 224, 224]` (via `CLIPImagePreprocessor`);
/// - `controlEvents`: sorted by time;
/// - `routing`: per-modality priority and weight.
///
/// Immutable after validation; `Sendable`.
public struct ModalityBundle: Sendable {
    public static let sampleRate = 24_000
    /// Longest reference audio accepted, in seconds (longer clips are refused, not cut).
    public static let maxReferenceSeconds: Double = 60
    /// Most control events per utterance.
    public static let maxControlEvents = 4096

    public let text: String?
    public let styleInstruction: String?
    public let referenceAudio: [Float]?
    public let image: Tensor?
    public let controlEvents: [ControlEvent]
    public let routing: ModalityRouting

    /// Validates normalised inputs. `referenceAudio` must already be mono 24 kHz (see
    /// `normalizeReferenceAudio` / `loadReferenceAudio`); `image` must be `[3, S, S]` pixel values.
    public init(text: String? = nil, styleInstruction: String? = nil, referenceAudio: [Float]? = nil,
                image: Tensor? = nil, controlEvents: [ControlEvent] = [],
                routing: ModalityRouting = ModalityRouting()) throws {
        let text = text.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let style = styleInstruction.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        if text == nil && style == nil && referenceAudio == nil && image == nil && controlEvents.isEmpty {
            throw ModalityError.noInput
        }
        if let audio = referenceAudio { try Self.validate(audio: audio, source: "reference audio") }
        if let image {
            guard image.rank == 3, image.shape[0] == 3, image.shape[1] == image.shape[2], image.shape[1] > 0 else {
                throw ModalityError.invalidImage(source: "image", reason: "pixel tensor has shape \(image.shape), expected [3, S, S]")
            }
            if let bad = image.scalars.firstIndex(where: { !$0.isFinite }) {
                throw ModalityError.invalidImage(source: "image", reason: "pixel \(bad) is NaN or infinite")
            }
        }
        if controlEvents.count > Self.maxControlEvents {
            throw ModalityError.invalidControlEvent(index: Self.maxControlEvents, reason: "more than \(Self.maxControlEvents) events")
        }
        for (index, event) in controlEvents.enumerated() {
            let t = event.seconds()
            guard t.isFinite, t >= 0 else { throw ModalityError.invalidControlEvent(index: index, reason: "time must be finite and ≥ 0") }
            if case let .number(n) = event.payload, !n.isFinite {
                throw ModalityError.invalidControlEvent(index: index, reason: "payload number must be finite")
            }
        }
        for modality in Modality.allCases {
            let w = routing[modality].weight
            guard w.isFinite, w >= 0 else { throw ModalityError.invalidRoute(modality: modality, reason: "weight must be finite and ≥ 0, got \(w)") }
        }
        self.text = text
        self.styleInstruction = style
        self.referenceAudio = referenceAudio
        self.image = image
        self.controlEvents = ControlEvent.sorted(controlEvents)
        self.routing = routing
    }

    /// Modalities that carry input for the adapters (text counts when a style instruction is set)
    /// and whose routing weight is above 0.
    public var presentModalities: [Modality] {
        var out: [Modality] = []
        if styleInstruction != nil { out.append(.text) }
        if referenceAudio != nil { out.append(.audio) }
        if image != nil { out.append(.image) }
        if !controlEvents.isEmpty { out.append(.control) }
        return out.filter { routing[$0].weight > 0 }
    }

    // MARK: - Reference audio

    static func validate(audio: [Float], source: String) throws {
        if audio.isEmpty { throw ModalityError.emptyReferenceAudio(source: source) }
        if let bad = audio.firstIndex(where: { !$0.isFinite }) { throw ModalityError.nonFiniteReferenceAudio(source: source, index: bad) }
        let seconds = Double(audio.count) / Double(sampleRate)
        if seconds > maxReferenceSeconds {
            throw ModalityError.referenceAudioTooLong(source: source, seconds: seconds, limit: maxReferenceSeconds)
        }
    }

    /// Interleaved samples at any rate and channel count → mono (channel mean) at 24 kHz
    /// (libsoxr, high quality, flushed).
    public static func normalizeReferenceAudio(_ interleaved: [Float], sampleRate: Int, channels: Int,
                                               source: String = "reference audio") throws -> [Float] {
        guard channels > 0 else { throw ModalityError.invalidSampleFormat(source: source, reason: "\(channels) channels") }
        guard sampleRate >= 1_000 && sampleRate <= 768_000 else {
            throw ModalityError.invalidSampleFormat(source: source, reason: "sample rate \(sampleRate) Hz outside 1000…768000")
        }
        guard interleaved.count % channels == 0 else {
            throw ModalityError.invalidSampleFormat(source: source, reason: "\(interleaved.count) samples are not a whole number of \(channels)-channel frames")
        }
        let frames = interleaved.count / channels
        if frames == 0 { throw ModalityError.emptyReferenceAudio(source: source) }
        if Double(frames) / Double(sampleRate) > maxReferenceSeconds {
            throw ModalityError.referenceAudioTooLong(source: source, seconds: Double(frames) / Double(sampleRate), limit: maxReferenceSeconds)
        }
        var mono: [Float]
        if channels == 1 {
            mono = interleaved
        } else {
            mono = [Float](repeating: 0, count: frames)
            let scale = 1 / Float(channels)
            for f in 0..<frames {
                var sum: Float = 0
                for c in 0..<channels { sum += interleaved[f * channels + c] }
                mono[f] = sum * scale
            }
        }
        if let bad = mono.firstIndex(where: { !$0.isFinite }) { throw ModalityError.nonFiniteReferenceAudio(source: source, index: bad) }
        if sampleRate != Self.sampleRate {
            do {
                mono = try StreamingResampler.resample(mono, from: Double(sampleRate), to: Double(Self.sampleRate))
            } catch {
                throw ModalityError.invalidSampleFormat(source: source, reason: "resampling \(sampleRate) → \(Self.sampleRate) Hz failed: \(error)")
            }
        }
        try validate(audio: mono, source: source)
        return mono
    }

    /// Reads a WAV file (any format `WAVReader` takes) and normalises it to mono 24 kHz.
    public static func loadReferenceAudio(contentsOf url: URL) throws -> [Float] {
        let wav: (samples: [Float], sampleRate: Int, channels: Int)
        do { wav = try WAVReader.read(url) } catch {
            throw ModalityError.invalidSampleFormat(source: url.path, reason: stripping(url.path, from: error))
        }
        return try normalizeReferenceAudio(wav.samples, sampleRate: wav.sampleRate, channels: wav.channels, source: url.path)
    }

    /// The error's message without a leading "path: " (the bundle error names the file itself).
    static func stripping(_ path: String, from error: any Error) -> String {
        let message = "\(error)"
        return message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message
    }

    // MARK: - Images

    /// Decodes a PNG/JPEG file and preprocesses it for CLIP (`[3, crop, crop]`).
    public static func loadImage(contentsOf url: URL, preprocessor: CLIPImagePreprocessor = CLIPImagePreprocessor()) throws -> Tensor {
        let image: RGBImage
        do { image = try ImageDecoder().decode(contentsOf: url) } catch {
            throw ModalityError.invalidImage(source: url.path, reason: stripping(url.path, from: error))
        }
        return preprocessor(image)
    }
}
