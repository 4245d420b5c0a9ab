import LiveControl
import Modalities
import Streaming

/// What a MIDI message means to the engine, by the preset's MIDI map (`EnginePreset.MIDIMap`):
/// - note-on of a mapped note (on the listened channel) → an SFX trigger with the slot number;
/// - a mapped controller → `style`: a style control event with payload value / 127 (0…1);
///   `weight/<modality>`: that modality's routing weight value / 64 (64 = 1.0, 127 ≈ 2.0);
/// - a beat of the MIDI clock (24 per quarter note, from start or continue) or of the JACK
///   transport → a beat marker with the beat number.
/// Everything else (note-offs, unmapped notes and controllers, other channels) means nothing.
///
/// A value type used by one thread (the MIDI bridge).
public struct MIDIEventMapping: Sendable {
    public let map: EnginePreset.MIDIMap
    private var clock = MIDIClockBeatTracker()

    public init(map: EnginePreset.MIDIMap) { self.map = map }

    /// The map used with `--midi-in` and no preset: the `daw` preset's (notes 36–43 → SFX slots
    /// 0–7, CC 1 → style, CC 7 → audio weight, CC 11 → text weight, every channel).
    public static var dawMap: EnginePreset.MIDIMap {
        (try? EnginePreset.named("daw"))?.midi ?? EnginePreset.MIDIMap(notes: [:], cc: [:], channel: 0)
    }

    /// The action for `message`, if it maps to one.
    public mutating func action(for message: MIDIMessage, outputFrame: Int) -> LiveAction? {
        switch message {
        case let .noteOn(channel, note, _):
            guard listens(to: channel), let slot = map.notes[Int(note)] else { return nil }
            return .control(.sfxTrigger, .number(Double(slot)))
        case let .controlChange(channel, controller, value):
            guard listens(to: channel), let target = map.cc[Int(controller)] else { return nil }
            switch target {
            case .style: return .control(.style, .number(Double(value) / 127))
            case let .weight(kind):
                guard let modality = InputModality(routingName: kind.rawValue) else { return nil }
                return .weight(modality, Float(value) / 64)
            }
        case .clock, .start, .continue, .stop:
            guard let beat = clock.consume(message, outputFrame: outputFrame) else { return nil }
            return .control(.beatMarker, .number(Double(beat.index)))
        case let .transportBeat(_, beat, _):
            return .control(.beatMarker, .number(Double(beat)))
        case .noteOff, .transportRolling, .transportStopped:
            return nil
        }
    }

    private func listens(to channel: UInt8) -> Bool {
        map.channel == 0 || Int(channel) + 1 == map.channel
    }
}
