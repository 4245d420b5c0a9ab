import Foundation
import LiveControl
import Modalities
import TestSupport
import Testing

@Suite struct LiveControlJSONTests {
    static func parse(_ json: String, received: Int64 = 1_000) throws(LiveControlJSONError) -> [LiveEvent] {
        try LiveControlJSON.parse(Data(json.utf8), source: .http, receivedSample: received)
    }

    @Test func everyKindParses() throws {
        let events = try Self.parse("""
        [{"kind":"say","payload":"Hello there."},
         {"kind":"beat"},
         {"kind":"beatMarker","payload":2},
         {"kind":"phoneme","payload":"AH"},
         {"kind":"sfx","payload":3},
         {"kind":"sfx","payload":"door"},
         {"kind":"style","payload":"calm"},
         {"kind":"instruction","payload":"[whisper]"},
         {"kind":"instruction","payload":""},
         {"kind":"weight","modality":"audio","payload":0.5},
         {"kind":"weight","modality":"control","payload":0}]
        """)
        #expect(events.map(\.action) == [
            .say("Hello there."), .control(.beatMarker, .none), .control(.beatMarker, .number(2)),
            .control(.phonemeHint, .string("AH")), .control(.sfxTrigger, .number(3)), .control(.sfxTrigger, .string("door")),
            .control(.style, .string("calm")), .styleInstruction("[whisper]"), .styleInstruction(""),
            .weight(.audio, 0.5), .weight(.control, 0),
        ])
        #expect(events.allSatisfy { $0.source == .http && $0.receivedSample == 1_000 && $0.dueSample == nil })
        #expect(events.map(\.action.kindName) == ["say", "beat", "beat", "phoneme", "sfx", "sfx", "style", "instruction", "instruction", "weight", "weight"])
    }

    @Test func oneObjectAndEventsWrapperAreAccepted() throws {
        #expect(try Self.parse(#"{"kind":"sfx","payload":1}"#).map(\.action) == [.control(.sfxTrigger, .number(1))])
        #expect(try Self.parse(#"{"events":[{"kind":"beat"},{"kind":"say","payload":"x"}]}"#).map(\.action)
                == [.control(.beatMarker, .none), .say("x")])
        #expect(try Self.parse("[]").isEmpty)
    }

    @Test func timeAndFrameAreOffsetsAfterArrival() throws {
        let events = try Self.parse("""
        [{"kind":"beat","time":0.5},{"kind":"beat","frame":75},{"kind":"sfx","payload":2,"frame":1},
         {"kind":"say","payload":"later","time":2},{"kind":"weight","modality":"text","payload":1,"time":0}]
        """, received: 48_000)
        #expect(events.map(\.dueSample) == [60_000, 72_000, 48_320, 96_000, 48_000])
        let atOtherRate = try LiveControlJSON.parse(Data(#"{"kind":"beat","time":1}"#.utf8), source: .stdin, receivedSample: 0, engineRate: 16_000)
        #expect(atOtherRate.first?.dueSample == 16_000)
        #expect(atOtherRate.first?.source == .stdin)
    }

    /// (body, expected error).
    static let refused: [(String, LiveControlJSONError)] = [
        (#"[{"kind":"say","payload":"a"},{"kind":"weight","payload":0.5}]"#,
         .invalidField(index: 1, field: "modality", reason: "missing: one of text|audio|image|control")),
        (#"[{"kind":"shout","payload":"a"}]"#,
         .invalidField(index: 0, field: "kind", reason: "must be one of say, beat, phoneme, sfx, style, instruction, weight (got \"shout\")")),
        (#"[{"payload":"a"}]"#, .invalidField(index: 0, field: "kind", reason: "missing")),
        (#"[{"kind":"beat"},{"kind":"beat","time":-1}]"#,
         .invalidField(index: 1, field: "time", reason: "must be a delay in seconds, 0…3600 (got -1)")),
        (#"[{"kind":"beat","time":1,"frame":2}]"#, .invalidField(index: 0, field: "frame", reason: "give either \"time\" or \"frame\", not both")),
        (#"[{"kind":"beat","frame":1.5}]"#,
         .invalidField(index: 0, field: "frame", reason: "must be a whole number of 75 Hz frames, 0…270000 (got 1.5)")),
        (#"[{"kind":"beat","time":4000}]"#,
         .invalidField(index: 0, field: "time", reason: "must be a delay in seconds, 0…3600 (got 4000)")),
        (#"[{"kind":"weight","modality":"audio","payload":true}]"#,
         .invalidField(index: 0, field: "payload", reason: "must be a finite weight ≥ 0 (got true)")),
        (#"[{"kind":"weight","modality":"audio","payload":-1}]"#,
         .invalidField(index: 0, field: "payload", reason: "must be a finite weight ≥ 0 (got -1)")),
        (#"[{"kind":"weight","modality":"audio","payload":1e300}]"#,
         .invalidField(index: 0, field: "payload", reason: "must be a finite weight ≥ 0 (got 1e+300)")),
        (#"[{"kind":"weight","modality":"smell","payload":1}]"#,
         .invalidField(index: 0, field: "modality", reason: "must be one of text|audio|image|control (got \"smell\")")),
        (#"[{"kind":"say"}]"#, .invalidField(index: 0, field: "payload", reason: "missing: give the text as a string")),
        (#"[{"kind":"say","payload":"  "}]"#, .invalidField(index: 0, field: "payload", reason: "must be non-empty text to speak")),
        (#"[{"kind":"say","payload":3}]"#, .invalidField(index: 0, field: "payload", reason: "must be a string (got 3)")),
        (#"[{"kind":"sfx","payload":[1]}]"#, .invalidField(index: 0, field: "payload", reason: "must be a string or a finite number (got an array)")),
        (#"[{"kind":"sfx","payload":1,"modality":"audio"}]"#,
         .invalidField(index: 0, field: "modality", reason: "unknown field for kind \"sfx\" (expected kind, payload, time or frame)")),
        (#"[{"kind":"beat","colour":"red"}]"#,
         .invalidField(index: 0, field: "colour", reason: "unknown field for kind \"beat\" (expected kind, payload, time or frame)")),
        (#"[3]"#, .invalidField(index: 0, field: "(event)", reason: "each event must be a JSON object")),
        (#"{"events":3}"#, .invalidField(index: nil, field: "events", reason: "must be an array of events")),
        (#"{"events":[],"extra":1}"#, .invalidField(index: nil, field: "extra", reason: "unknown field beside \"events\"")),
        (#""beat""#, .invalidField(index: nil, field: "(root)", reason: "expected an event object, an array of events or {\"events\": [...]}")),
    ]

    @Test func errorsNameTheIndexAndField() {
        for (body, expected) in Self.refused {
            #expect(throws: expected, "\(body)") { try Self.parse(body) }
        }
        let error = LiveControlJSONError.invalidField(index: 1, field: "modality", reason: "missing: one of text|audio|image|control")
        #expect(error.description == "event 1, field 'modality': missing: one of text|audio|image|control")
    }

    @Test func tooLongTextIsRefused() {
        let long = String(repeating: "é", count: 2049)  // 4098 UTF-8 bytes
        #expect(throws: LiveControlJSONError.invalidField(index: 0, field: "payload", reason: "is 4098 bytes long (at most 4096)")) {
            try Self.parse(#"{"kind":"say","payload":"\#(long)"}"#)
        }
    }

    @Test func moreThan256EventsAreRefused() throws {
        let event = #"{"kind":"beat"}"#
        #expect(try Self.parse("[" + Array(repeating: event, count: 256).joined(separator: ",") + "]").count == 256)
        #expect(throws: LiveControlJSONError.tooManyEvents(count: 257, limit: 256)) {
            try Self.parse(#"{"events":["# + Array(repeating: event, count: 257).joined(separator: ",") + "]}")
        }
    }

    @Test func garbageIsRefusedWithoutCrashing() {
        #expect(throws: LiveControlJSONError.self) { try Self.parse("{\"kind\":") }
        do { _ = try Self.parse("not json at all"); Issue.record("garbage was accepted") } catch {
            guard case .malformedJSON = error else { Issue.record("\(error)"); return }
            #expect(!error.description.contains("NSCocoaErrorDomain"))
            #expect(error.description.hasPrefix("control events are not valid JSON: "))
        }
        #expect(throws: LiveControlJSONError.malformedJSON(reason: "the body is empty")) { try Self.parse("") }
        var generator = SplitMix64(seed: 7)
        var accepted = 0
        for _ in 0..<2_000 {
            let bytes = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if let events = try? LiveControlJSON.parse(Data(bytes), source: .file, receivedSample: 0) { accepted += events.count }
        }
        #expect(accepted == 0)
    }
}
