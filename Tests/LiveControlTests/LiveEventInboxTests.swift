import Dispatch
import Foundation
import LiveControl
import Modalities
import Testing

@Suite struct LiveEventInboxTests {
    static func event(_ action: LiveAction, source: LiveEventSource = .api, received: Int64 = 0, due: Int64? = nil,
                      uptime: UInt64 = DispatchTime.now().uptimeNanoseconds) -> LiveEvent {
        LiveEvent(source: source, action: action, receivedSample: received, dueSample: due, receivedUptimeNanos: uptime)
    }

    @Test func drainsInArrivalOrder() {
        let inbox = LiveEventInbox()
        let events = (0..<5).map { Self.event(.control(.sfxTrigger, .number(Double($0))), received: Int64($0)) }
        for event in events { #expect(inbox.post(event)) }
        #expect(inbox.waitingCount == 5)
        #expect(inbox.drain() == events)
        #expect(inbox.drain().isEmpty)
        #expect(inbox.counters == LiveEventCounters(received: 5))
    }

    @Test func fullInboxDropsCountsAndLogsTheReason() throws {
        let folder = try LiveTestWaiting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("events.jsonl")
        let diagnostics = DiagnosticsRecorder()
        let inbox = LiveEventInbox(capacity: 2, log: try LiveEventLog(url: url), diagnostics: diagnostics.closure)
        #expect(inbox.post(Self.event(.say("one"))))
        #expect(inbox.post(Self.event(.say("two"))))
        #expect(!inbox.post(Self.event(.say("three"), source: .http, received: 24_000)))
        #expect(!inbox.post(Self.event(.say("four"), source: .http)))
        #expect(inbox.counters == LiveEventCounters(received: 2, dropped: 2))
        #expect(inbox.drain().map(\.action) == [.say("one"), .say("two")])
        #expect(inbox.post(Self.event(.say("five"))))
        #expect(diagnostics.lines.count == 1)
        #expect(diagnostics.lines.first?.hasPrefix("http: live-event inbox full (2 events waiting)") == true)
        let lines = try LiveTestWaiting.jsonLines(url)
        #expect(lines.count == 2)
        #expect(lines.first?["source"] as? String == "http")
        #expect(lines.first?["kind"] as? String == "say")
        #expect(lines.first?["payload"] as? String == "three")
        #expect((lines.first?["received_sample"] as? NSNumber)?.intValue == 24_000)
        #expect(lines.first?["dropped"] as? String == "inbox full (2 events waiting)")
        #expect(lines.first?["applied_frame"] == nil)
    }

    @Test func markAppliedLogsFrameAndLatency() throws {
        let folder = try LiveTestWaiting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("events.jsonl")
        let log = try LiveEventLog(url: url)
        let inbox = LiveEventInbox(log: log)
        let fiveMillisecondsAgo = DispatchTime.now().uptimeNanoseconds - 5_000_000
        let sfx = Self.event(.control(.sfxTrigger, .number(3)), source: .osc, received: 48_000, uptime: fiveMillisecondsAgo)
        let weight = Self.event(.weight(.audio, 0.5), source: .http, received: 100, due: 24_100)
        let phrase = Self.event(.say("quote \" and\nnewline ✓"), source: .stdin)
        inbox.markApplied(sfx, frame: 120)
        inbox.markApplied(weight, frame: 121)
        inbox.markDropped(phrase, reason: "stream ended")
        log.close()
        #expect(inbox.counters == LiveEventCounters(applied: 2, dropped: 1))
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix(#"{"source":"osc","kind":"sfx","payload":3,"received_sample":48000,"applied_frame":120,"latency_ms":"#))
        let lines = try LiveTestWaiting.jsonLines(url)
        #expect(lines.count == 3)
        let latency = (lines[0]["latency_ms"] as? NSNumber)?.doubleValue ?? -1
        #expect(latency >= 5 && latency < 60_000)
        #expect(lines[1]["kind"] as? String == "weight")
        #expect(lines[1]["modality"] as? String == "audio")
        #expect((lines[1]["payload"] as? NSNumber)?.doubleValue == 0.5)
        #expect((lines[1]["due_sample"] as? NSNumber)?.intValue == 24_100)
        #expect((lines[1]["applied_frame"] as? NSNumber)?.intValue == 121)
        #expect(lines[2]["payload"] as? String == "quote \" and\nnewline ✓")
        #expect(lines[2]["dropped"] as? String == "stream ended")
    }

    @Test func malformedInputIsCountedLoggedEachTimeAndReportedOnce() throws {
        let folder = try LiveTestWaiting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("events.jsonl")
        let diagnostics = DiagnosticsRecorder()
        let inbox = LiveEventInbox(log: try LiveEventLog(url: url), diagnostics: diagnostics.closure)
        inbox.reportMalformed(source: .osc, kind: "unknown address", detail: "/foo", receivedSample: 7)
        inbox.reportMalformed(source: .osc, kind: "unknown address", detail: "/bar")
        inbox.reportMalformed(source: .http, kind: "unknown address", detail: "/baz")
        inbox.reportMalformed(source: .midi, kind: "SysEx flood", detail: "512 bytes")
        #expect(inbox.counters == LiveEventCounters(malformed: 4))
        #expect(diagnostics.lines == [
            "osc: unknown address: /foo (further ones are counted, not logged)",
            "http: unknown address: /baz (further ones are counted, not logged)",
            "midi: SysEx flood: 512 bytes (further ones are counted, not logged)",
        ])
        let lines = try LiveTestWaiting.jsonLines(url)
        #expect(lines.count == 4)
        #expect(lines.allSatisfy { $0["kind"] as? String == "malformed" })
        #expect(lines.map { $0["payload"] as? String } == ["/foo", "/bar", "/baz", "512 bytes"])
        #expect(lines.map { $0["dropped"] as? String } == ["unknown address", "unknown address", "unknown address", "SysEx flood"])
        #expect((lines[0]["received_sample"] as? NSNumber)?.intValue == 7)
        #expect(lines[1]["received_sample"] == nil)
    }

    @Test func concurrentPostsAreAllCounted() async {
        let inbox = LiveEventInbox(capacity: 10_000)
        await withTaskGroup(of: Void.self) { group in
            for source in LiveEventSource.allCases {
                group.addTask {
                    for index in 0..<500 { inbox.post(Self.event(.control(.beatMarker, .none), source: source, received: Int64(index))) }
                }
            }
        }
        let events = inbox.drain()
        #expect(events.count == 500 * LiveEventSource.allCases.count)
        for source in LiveEventSource.allCases {
            #expect(events.filter { $0.source == source }.map(\.receivedSample) == (0..<500).map(Int64.init))
        }
        #expect(inbox.counters.received == events.count)
    }

    @Test func unwritableLogPathIsNamed() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dir-\(UUID().uuidString)/events.jsonl")
        #expect(throws: LiveEventLogError.cannotCreate(path: missing.path, reason: "No such file or directory")) {
            try LiveEventLog(url: missing)
        }
        do { _ = try LiveEventLog(url: missing) } catch {
            #expect(error.description == "cannot create the event log \(missing.path): No such file or directory")
        }
        let folder = try LiveTestWaiting.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: LiveEventLogError.cannotCreate(path: folder.path, reason: "Is a directory")) {
            try LiveEventLog(url: folder)
        }
    }

    @Test func failingLogIsReportedOnceAndCountingGoesOn() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else {
            print("LiveEventInboxTests.failingLogIsReportedOnceAndCountingGoesOn: skipped: /dev/full is not available")
            return
        }
        let diagnostics = DiagnosticsRecorder()
        let inbox = LiveEventInbox(log: try LiveEventLog(url: URL(fileURLWithPath: "/dev/full")), diagnostics: diagnostics.closure)
        inbox.markApplied(Self.event(.say("a")), frame: 1)
        inbox.markApplied(Self.event(.say("b")), frame: 2)
        #expect(inbox.counters.applied == 2)
        #expect(diagnostics.lines == ["cannot write the event log /dev/full: No space left on device (further lines are not written)"])
    }

    @Test func payloadValuesForJSON() {
        #expect(LiveAction.control(.sfxTrigger, .number(3)).payloadValue == .integer(3))
        #expect(LiveAction.control(.beatMarker, .none).payloadValue == .null)
        #expect(LiveAction.weight(.image, 0.25).payloadValue == .number(0.25))
        #expect(LiveAction.weight(.image, 0.25).modalityName == "image")
        #expect(LiveAction.say("x").modalityName == nil)
        #expect(LiveAction.styleInstruction("[sad]").payloadJSONObject as? String == "[sad]")
        #expect(LiveLogValue.string("a\u{1}b").json == #""a\u0001b""#)
    }
}
