extension EnginePreset {
    /// What a MIDI control change steers (JSON `midi.cc` values).
    public enum ControllerTarget: Sendable, Equatable, Hashable {
        /// The speaking style (JSON `"style"`).
        case style
        /// A modality's weight (JSON `"weight/text"`, `"weight/audio"`, `"weight/image"`,
        /// `"weight/control"`).
        case weight(ModalityKind)

        /// The JSON spelling: `style` or `weight/<modality>`.
        public var name: String {
            switch self {
            case .style: "style"
            case let .weight(kind): "weight/" + kind.rawValue
            }
        }

        /// The target named `name` (the JSON spelling), or nil.
        public init?(name: String) {
            if name == "style" { self = .style; return }
            guard name.hasPrefix("weight/"), let kind = ModalityKind(rawValue: String(name.dropFirst(7))) else { return nil }
            self = .weight(kind)
        }

        /// Every target, in the order messages list them.
        public static let all: [ControllerTarget] = [.style] + ModalityKind.allCases.map { .weight($0) }
    }

    /// MIDI input (JSON `midi`).
    public struct MIDIMap: Sendable, Equatable {
        /// Note number (0…127) → SFX slot (≥ 0) (JSON `notes`: `{"36": 0}`).
        public var notes: [Int: Int]
        /// Controller number (0…127) → what it steers (JSON `cc`: `{"1": "style"}`).
        public var cc: [Int: ControllerTarget]
        /// The MIDI channel listened to: 1…16, or 0 for every channel (omni) (JSON `channel`).
        public var channel: Int

        public init(notes: [Int: Int], cc: [Int: ControllerTarget], channel: Int) {
            self.notes = notes
            self.cc = cc
            self.channel = channel
        }
    }
}
