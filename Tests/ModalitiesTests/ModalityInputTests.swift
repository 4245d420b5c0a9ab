import Audio
import Foundation
import Modalities
import Tensors
import Testing

@Suite struct ModalityInputTests {
    static func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func eventsFileParsesAndSorts() throws {
        let events = try ControlEvent.load(contentsOf: FusionFixtures.events)
        #expect(events.map(\.kind) == [.style, .phonemeHint, .beatMarker, .sfxTrigger])
        #expect(events[1].time == .frames(10) && events[1].payload == .string("AH"))
        #expect(events[0].payload == .number(3))
        let array = try ControlEvent.parse(Data(#"[{"kind":"beat","time":2},{"kind":"beatMarker","time":1}]"#.utf8), file: "x")
        #expect(array.map { $0.seconds() } == [1, 2])
    }

    @Test(arguments: [
        (#"{"events":[{"kind":"beat","time":1},{"kind":"drum","time":1}]}"#, "event 1, field 'kind'"),
        (#"[{"kind":"beat"}]"#, "event 0, field 'time'"),
        (#"[{"kind":"beat","time":-1}]"#, "event 0, field 'time'"),
        (#"[{"kind":"beat","time":1,"frame":3}]"#, "event 0, field 'frame'"),
        (#"[{"kind":"beat","frame":1.5}]"#, "event 0, field 'frame'"),
        (#"[{"kind":"sfx","time":1,"payload":[1]}]"#, "event 0, field 'payload'"),
        (#"[{"kind":"sfx","time":true}]"#, "event 0, field 'time'"),
        (#"[{"kind":"sfx","time":1,"when":2}]"#, "event 0, field 'when'"),
        (#"{"things":[]}"#, "top level, field 'events'"),
        (#"[1]"#, "event 0"),
        (#"{"events":[}"#, "not valid JSON"),
        (#"{"events":[}"#, "around character 11"),  // the parser's own words say where
    ])
    func malformedEventsNameFileIndexAndField(_ json: String, _ expected: String) throws {
        let url = try Self.write(json)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try ControlEvent.load(contentsOf: url)
            Issue.record("expected an error for \(json)")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix(url.path) && message.contains(expected), "\(message)")
            #expect(!message.contains("Error Domain") && !message.contains("NSCocoaErrorDomain"), "\(message)")
        }
    }

    @Test func bundleValidates() throws {
        #expect(throws: ModalityError.noInput) { try ModalityBundle(text: "  ") }
        #expect(throws: ModalityError.nonFiniteReferenceAudio(source: "reference audio", index: 1)) {
            try ModalityBundle(referenceAudio: [0, .nan])
        }
        #expect(throws: ModalityError.self) { try ModalityBundle(image: Tensor(zeros: [3, 4, 5])) }
        var routing = ModalityRouting()
        routing.audio.weight = -1
        #expect(throws: ModalityError.invalidRoute(modality: .audio, reason: "weight must be finite and ≥ 0, got -1.0")) {
            try ModalityBundle(text: "hi", routing: routing)
        }
        let bundle = try ModalityBundle(text: "hi", styleInstruction: "[calm]", referenceAudio: [0.1, 0.2],
                                        controlEvents: [ControlEvent(time: .seconds(2), kind: .beatMarker),
                                                        ControlEvent(time: .frames(75), kind: .sfxTrigger)],
                                        routing: .preferReferenceProsody)
        #expect(bundle.presentModalities == [.text, .audio, .control])
        #expect(bundle.controlEvents.map(\.kind) == [.sfxTrigger, .beatMarker])
        #expect(bundle.routing.byPriority() == [.audio, .text, .image, .control])
    }

    @Test func referenceAudioIsDownmixedAndResampledTo24kHz() throws {
        let rate = 48_000
        var stereo: [Float] = []
        for i in 0..<rate / 2 {
            let s = Float(sin(2 * Double.pi * 440 * Double(i) / Double(rate))) * 0.5
            stereo += [s, s]
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ref-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: url) }
        try WAVWriter.write(stereo, sampleRate: rate, channels: 2, format: .f32, to: url)
        let mono = try ModalityBundle.loadReferenceAudio(contentsOf: url)
        #expect(abs(mono.count - 12_000) <= 2)
        #expect(mono.max()! > 0.45 && mono.max()! < 0.55)

        let bogus = FileManager.default.temporaryDirectory.appendingPathComponent("ref-\(UUID().uuidString).wav")
        try Data("RIFF\u{0}\u{0}\u{0}\u{0}WAVEjunk".utf8).write(to: bogus)
        defer { try? FileManager.default.removeItem(at: bogus) }
        do { _ = try ModalityBundle.loadReferenceAudio(contentsOf: bogus); Issue.record("expected an error") } catch {
            #expect("\(error)".hasPrefix(bogus.path) && "\(error)".contains("unsupported reference audio"))
        }
    }
}
