import Modalities

/// The short modality names live inputs use (`/omnibark/weight/<name>`, `"modality"` in JSON):
/// "text", "audio", "image", "control".
public enum LiveModalityName {
    /// The name of `modality`.
    public static func name(of modality: Modality) -> String {
        switch modality {
        case .text: return "text"
        case .audio: return "audio"
        case .image: return "image"
        case .control: return "control"
        }
    }

    /// The modality called `name`, or nil when the name is none of the four.
    public static func modality(named name: String) -> Modality? {
        Modality.allCases.first { self.name(of: $0) == name }
    }

    /// The accepted names, for error messages: "text|audio|image|control".
    public static var choices: String { Modality.allCases.map(name(of:)).joined(separator: "|") }
}
