extension EnginePreset {
    /// An input modality, as named in JSON (`modalities.text`, …) and in MIDI CC targets
    /// (`weight/text`, …).
    public enum ModalityKind: String, Sendable, CaseIterable {
        case text, audio, image, control
    }

    /// How one modality takes part in generation.
    public struct Modality: Sendable, Equatable {
        /// Order among the modalities when they disagree: higher wins (JSON `priority`, an integer).
        public var priority: Int
        /// Conditioning strength, finite and ≥ 0; 0 ignores the modality (JSON `weight`).
        public var weight: Double
        /// Whether the engine needs this input to run (JSON `required`).
        public var required: Bool

        public init(priority: Int, weight: Double, required: Bool) {
            self.priority = priority
            self.weight = weight
            self.required = required
        }
    }

    /// The settings of the four modalities (JSON `modalities`).
    public struct Modalities: Sendable, Equatable {
        public var text: Modality
        public var audio: Modality
        public var image: Modality
        public var control: Modality

        public init(text: Modality, audio: Modality, image: Modality, control: Modality) {
            self.text = text
            self.audio = audio
            self.image = image
            self.control = control
        }

        /// The settings of `kind`.
        public subscript(kind: ModalityKind) -> Modality {
            get {
                switch kind {
                case .text: text
                case .audio: audio
                case .image: image
                case .control: control
                }
            }
            set {
                switch kind {
                case .text: text = newValue
                case .audio: audio = newValue
                case .image: image = newValue
                case .control: control = newValue
                }
            }
        }
    }
}
