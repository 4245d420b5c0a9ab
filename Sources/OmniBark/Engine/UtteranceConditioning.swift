import Bark
import Foundation
import Modalities
import Tensors

/// The adapters' view of one utterance: its encoded inputs (`ModalityFeatures`, encoded once)
/// and the fusion conditioning built from them with the current routing. Live events change the
/// routing, the style instruction or the control events; `rebuild` then makes the conditioning
/// the semantic stage uses from its next step on.
///
/// Without adapters, or with no conditioning input, `conditioning` is nil (plain Bark).
///
/// Owned by the generation thread for one utterance.
struct UtteranceConditioning {
    let model: OmniModel
    private(set) var features = ModalityFeatures()
    private(set) var routing: ModalityRouting
    private(set) var conditioning: FusionConditioning?
    /// Modalities in the current memory.
    private(set) var conditioned: [Modality] = []
    /// Modalities given but not in the memory (no adapters, weight 0).
    private(set) var ignored: [Modality] = []
    /// Seconds spent encoding and building memory so far.
    private(set) var seconds: Double = 0
    /// Seconds each modality's encoder took (for the router's cost model).
    private(set) var encoderSeconds: [Modality: Double] = [:]
    /// Modalities the router left out (weight 0 whatever the routing says).
    private(set) var skipped: Set<Modality> = []
    /// Fusion layers run (nil: all).
    private(set) var fusionLayersKept: Int?

    var hasAdapters: Bool { model.adapters != nil }

    /// Encodes every given modality (weights apply later, so a live weight change can bring a
    /// modality in) and builds the memory with `bundle.routing`. `audioFeatures`: the reference
    /// audio already encoded (the live reference window), used instead of encoding it again.
    ///
    /// `skipping`: modalities the router leaves out (not encoded at all); `fusionLayers`: how many
    /// fusion layers run (nil: all).
    init(model: OmniModel, bundle: ModalityBundle, audioFeatures: Tensor? = nil, skipping: Set<Modality> = [],
         fusionLayers: Int? = nil) throws {
        self.model = model
        routing = bundle.routing
        skipped = skipping
        fusionLayersKept = fusionLayers
        guard model.adapters != nil else {
            ignored = bundle.presentModalities
            return
        }
        let unweighted = try ModalityBundle(text: bundle.text, styleInstruction: bundle.styleInstruction,
                                            referenceAudio: bundle.referenceAudio, image: bundle.image,
                                            controlEvents: bundle.controlEvents)
        // One modality at a time, so each encoder's cost is known.
        for modality in unweighted.presentModalities where !skipping.contains(modality) {
            if modality == .audio, let audioFeatures {
                features.audioFeatures = audioFeatures
                continue
            }
            let start = DispatchTime.now().uptimeNanoseconds
            let one = try model.encoder.features(for: unweighted, modalities: [modality])
            switch modality {
            case .text: features.textEmbeddings = one.textEmbeddings
            case .audio: features.audioFeatures = one.audioFeatures
            case .image: features.imagePooled = one.imagePooled; features.imageHidden = one.imageHidden
            case .control: features.controlEvents = one.controlEvents
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            encoderSeconds[modality] = elapsed
            seconds += elapsed
        }
        try rebuild(given: bundle.presentModalities)
    }

    /// The router's plan for this utterance from now on: modalities left out (they must have
    /// been encoded to come back, so a restore brings back only what was encoded) and fusion
    /// layers kept.
    mutating func apply(skipping: Set<Modality>, fusionLayers: Int?) throws {
        guard skipping != skipped || fusionLayers != fusionLayersKept else { return }
        skipped = skipping
        fusionLayersKept = fusionLayers
        try rebuild()
    }

    /// A new routing weight for one modality.
    mutating func setWeight(_ weight: Float, for modality: Modality) throws {
        routing[modality].weight = weight
        try rebuild()
    }

    /// A new style instruction ("" or nil clears it).
    mutating func setStyle(_ instruction: String?) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let trimmed = instruction?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        features.textEmbeddings = trimmed.isEmpty ? nil : try model.encoder.textEmbeddings(trimmed)
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        try rebuild()
    }

    /// New reference-audio features (the live window was encoded again).
    mutating func setAudioFeatures(_ audio: Tensor) throws {
        features.audioFeatures = audio
        try rebuild()
    }

    /// A control event at `seconds` into the utterance.
    mutating func addControlEvent(_ event: ControlEvent) throws {
        features.controlEvents = ControlEvent.sorted(features.controlEvents + [event])
        try rebuild()
    }

    private mutating func rebuild(given: [Modality]? = nil) throws {
        guard let adapters = model.adapters else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var effective = routing
        for modality in skipped { effective[modality].weight = 0 }
        let memory = try adapters.memory(features, routing: effective)
        conditioning = memory.isEmpty ? nil : FusionConditioning(adapters: adapters, memory: memory, keepingLayers: fusionLayersKept)
        conditioned = Modality.allCases.filter { memory.owners.contains($0) }
        if let given { ignored = given.filter { !conditioned.contains($0) } }
    }
}
