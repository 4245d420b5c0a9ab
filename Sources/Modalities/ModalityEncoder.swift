import Bark
import Encodec
import Foundation
import Tensors

/// Turns a `ModalityBundle` into adapter features with the frozen encoders: the Bark tokenizer +
/// the semantic model's input embeddings (style instruction), the EnCodec encoder (reference
/// audio), the CLIP vision tower (image).
///
/// Immutable and `Sendable`.
public struct ModalityEncoder: Sendable {
    public let semantic: BarkCausalModel
    public let tokenizer: BarkTokenizer
    /// Added to tokenizer ids before the embedding lookup (Bark: 10 048), as the semantic stage does.
    public let textEncodingOffset: Int
    public let codec: EncodecModel?
    public let vision: CLIPVisionTower?

    public init(semantic: BarkCausalModel, tokenizer: BarkTokenizer, textEncodingOffset: Int,
                codec: EncodecModel?, vision: CLIPVisionTower?) {
        self.semantic = semantic
        self.tokenizer = tokenizer
        self.textEncodingOffset = textEncodingOffset
        self.codec = codec
        self.vision = vision
    }

    /// Text adapter input: the instruction tokenized and embedded; ids beyond the model's input
    /// vocabulary throw (`BarkError.tokenOutOfRange`).
    public func textEmbeddings(_ instruction: String) throws -> Tensor? {
        let ids = tokenizer.encode(instruction).map { $0 + textEncodingOffset }
        guard !ids.isEmpty else { return nil }
        return try semantic.embed(ids)
    }

    /// Features for every modality present in `bundle` (and wanted by `modalities`).
    public func features(for bundle: ModalityBundle, modalities: Set<Modality> = Set(Modality.allCases)) throws -> ModalityFeatures {
        var f = ModalityFeatures()
        let present = Set(bundle.presentModalities).intersection(modalities)
        if present.contains(.text), let style = bundle.styleInstruction {
            f.textEmbeddings = try textEmbeddings(style)
        }
        if present.contains(.audio), let audio = bundle.referenceAudio {
            guard let codec else { throw AdapterError.missingEncoder(modality: .audio, reason: "no EnCodec model") }
            f.audioFeatures = try codec.encoderEmbeddings(audio: audio)
        }
        if present.contains(.image), let image = bundle.image {
            guard let vision else {
                throw AdapterError.missingEncoder(modality: .image, reason: "no CLIP vision tower (pass --clip DIR)")
            }
            let out = try vision(image)
            f.imagePooled = out.pooled
            f.imageHidden = out.lastHiddenState
        }
        if present.contains(.control) { f.controlEvents = bundle.controlEvents }
        return f
    }
}
