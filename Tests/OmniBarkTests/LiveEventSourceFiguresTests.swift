import Foundation
import LiveControl
import Testing
@testable import OmniBark

/// Reading benchmark figures back from event-log lines, and the nearest-rank percentile.
struct LiveEventSourceFiguresTests {
    @Test func appliedAndDroppedLinesAreCountedPerSource() {
        let lines = [
            #"{"source":"osc","kind":"sfx","payload":3,"received_sample":48000,"applied_frame":120,"latency_ms":4.5}"#,
            #"{"source":"osc","kind":"beat","payload":null,"received_sample":48000,"applied_frame":121,"latency_ms":1.5}"#,
            #"{"source":"midi","kind":"sfx","payload":0,"received_sample":0,"dropped":"no utterance was being generated when it was due"}"#,
            #"{"source":"osc","kind":"malformed","payload":"/foo from 127.0.0.1:5000","dropped":"unknown address"}"#,
            #"{"source":"carrier-pigeon","kind":"sfx","payload":1,"applied_frame":1,"latency_ms":9}"#,
            "not json",
        ]
        let figures = LiveEventSourceFigures.parse(lines: lines)
        #expect(figures[.osc]?.applied == 2)
        #expect(figures[.osc]?.dropped == 0)  // the malformed line is no event
        #expect(figures[.osc]?.latenciesMs == [4.5, 1.5])
        #expect(figures[.midi]?.applied == 0)
        #expect(figures[.midi]?.dropped == 1)
        #expect(figures[.midi]?.latencyMsP50 == nil)
        #expect(Set(figures.keys) == [.osc, .midi])
    }

    @Test func anUnreadableEventLogIsNamedWithTheReason() {
        let url = URL(fileURLWithPath: "/nonexistent/omnibark/events.jsonl")
        #expect(throws: LiveEventLogError.unreadable(file: url.path, reason: "No such file or directory")) {
            try LiveEventSourceFigures.read(eventLog: url)
        }
        #expect(LiveEventLogError.unreadable(file: url.path, reason: "No such file or directory").description
                == "cannot read the event log /nonexistent/omnibark/events.jsonl: No such file or directory")
    }

    @Test func nearestRankPercentiles() {
        let values = (1...20).map(Double.init).shuffled()
        #expect(Percentile.of(values, 0.5) == 10)
        #expect(Percentile.of(values, 0.95) == 19)
        #expect(Percentile.of(values, 1) == 20)
        #expect(Percentile.of(values, 0) == 1)
        #expect(Percentile.of([7], 0.95) == 7)
        #expect(Percentile.of([], 0.5) == nil)
        #expect(Percentile.of([.nan, 2], 0.5) == 2)
    }
}
