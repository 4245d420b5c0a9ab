import Foundation
import LiveControl
import Modalities
import TestSupport
import Testing

/// The OSC server on loopback: every address, through a hand-written encoder and through
/// liblo's own `oscsend`, lands in the inbox as the right action, stamped with the fake
/// played-samples position.
@Suite struct OSCControlServerTests {
    static let played: Int64 = 48_000

    /// A server on a free port with a fresh inbox.
    static func start(capacity: Int = 4096) throws -> (OSCControlServer, LiveEventInbox, DiagnosticsRecorder) {
        let diagnostics = DiagnosticsRecorder()
        let inbox = LiveEventInbox(capacity: capacity, diagnostics: diagnostics.closure)
        let server = try OSCControlServer(port: 0, inbox: inbox, playedSamples: { OSCControlServerTests.played })
        return (server, inbox, diagnostics)
    }

    /// Waits until `count` events arrived, then takes them.
    static func take(_ count: Int, from inbox: LiveEventInbox) -> [LiveEvent] {
        var events: [LiveEvent] = []
        _ = LiveTestWaiting.until {
            events += inbox.drain()
            return events.count >= count
        }
        return events
    }

    typealias A = OSCEncoding.Argument

    /// (message, expected action, expected delay in samples or nil).
    static let cases: [([UInt8], LiveAction, Int64?)] = [
        (OSCEncoding.message("/omnibark/say", [A.s("hello there")]), .say("hello there"), nil),
        (OSCEncoding.message("/omnibark/beat"), .control(.beatMarker, .none), nil),
        (OSCEncoding.message("/omnibark/beat", [A.f(0.5)]), .control(.beatMarker, .none), 12_000),
        (OSCEncoding.message("/omnibark/beat", [A.i(2)]), .control(.beatMarker, .none), 48_000),
        (OSCEncoding.message("/omnibark/beat", [A.d(0.25)]), .control(.beatMarker, .none), 6_000),
        (OSCEncoding.message("/omnibark/sfx", [A.i(3)]), .control(.sfxTrigger, .number(3)), nil),
        (OSCEncoding.message("/omnibark/sfx", [A.f(4)]), .control(.sfxTrigger, .number(4)), nil),
        (OSCEncoding.message("/omnibark/sfx", [A.h(7), A.d(1)]), .control(.sfxTrigger, .number(7)), 24_000),
        (OSCEncoding.message("/omnibark/sfx", [A.s("door slam"), A.f(1.5)]), .control(.sfxTrigger, .string("door slam")), 36_000),
        (OSCEncoding.message("/omnibark/phoneme", [A.s("AH")]), .control(.phonemeHint, .string("AH")), nil),
        (OSCEncoding.message("/omnibark/phoneme", [A.s("ɪ"), A.f(0.1)]), .control(.phonemeHint, .string("ɪ")), 2_400),
        (OSCEncoding.message("/omnibark/style", [A.s("[whisper]")]), .styleInstruction("[whisper]"), nil),
        (OSCEncoding.message("/omnibark/style", [A.s("")]), .styleInstruction(""), nil),
        (OSCEncoding.message("/omnibark/weight/audio", [A.f(0.5)]), .weight(.audio, 0.5), nil),
        (OSCEncoding.message("/omnibark/weight/text", [A.i(2)]), .weight(.text, 2), nil),
        (OSCEncoding.message("/omnibark/weight/image", [A.d(0.25)]), .weight(.image, 0.25), nil),
        (OSCEncoding.message("/omnibark/weight/control", [A.f(0)]), .weight(.control, 0), nil),
    ]

    @Test func everyAddressLandsAsItsAction() throws {
        let (server, inbox, diagnostics) = try Self.start()
        defer { server.stop() }
        let client = try UDPTestClient(port: server.port)
        for (datagram, action, delay) in Self.cases {
            #expect(client.send(datagram))
            let events = Self.take(1, from: inbox)
            #expect(events.count == 1, "no event for \(action)")
            guard let event = events.first else { continue }
            #expect(event.source == .osc)
            #expect(event.action == action)
            #expect(event.receivedSample == Self.played)
            #expect(event.dueSample == delay.map { Self.played + $0 }, "due sample of \(action)")
        }
        #expect(inbox.counters == LiveEventCounters(received: Self.cases.count))
        #expect(diagnostics.lines.isEmpty)
    }

    @Test func bundleMessagesArriveInOrder() throws {
        let (server, inbox, _) = try Self.start()
        defer { server.stop() }
        let client = try UDPTestClient(port: server.port)
        let inner = OSCEncoding.bundle([OSCEncoding.message("/omnibark/sfx", [A.i(1)])])
        client.send(OSCEncoding.bundle([OSCEncoding.message("/omnibark/say", [A.s("one")]), inner,
                                        OSCEncoding.message("/omnibark/beat", [A.f(1)])]))
        let events = Self.take(3, from: inbox)
        #expect(events.map(\.action) == [.say("one"), .control(.sfxTrigger, .number(1)), .control(.beatMarker, .none)])
        #expect(events.map(\.dueSample) == [nil, nil, Self.played + 24_000])
    }

    @Test func oscsendMessagesLand() throws {
        guard let oscsend = ExecutableSearch.which("oscsend") else {
            print("OSCControlServerTests.oscsendMessagesLand: skipped: oscsend is not installed (Debian: liblo-tools)")
            return
        }
        let (server, inbox, _) = try Self.start()
        defer { server.stop() }
        let sends: [([String], LiveAction, Int64?)] = [
            (["/omnibark/say", "s", "hi from oscsend"], .say("hi from oscsend"), nil),
            (["/omnibark/beat"], .control(.beatMarker, .none), nil),
            (["/omnibark/beat", "f", "0.5"], .control(.beatMarker, .none), 12_000),
            (["/omnibark/sfx", "i", "3"], .control(.sfxTrigger, .number(3)), nil),
            (["/omnibark/sfx", "sd", "rain", "2"], .control(.sfxTrigger, .string("rain")), 48_000),
            (["/omnibark/phoneme", "sf", "EH", "0.25"], .control(.phonemeHint, .string("EH")), 6_000),
            (["/omnibark/style", "s", "[whisper]"], .styleInstruction("[whisper]"), nil),
            (["/omnibark/weight/audio", "f", "0.5"], .weight(.audio, 0.5), nil),
            (["/omnibark/weight/image", "i", "0"], .weight(.image, 0), nil),
        ]
        for (arguments, action, delay) in sends {
            let run = try ProcessRun.run(URL(fileURLWithPath: oscsend), ["localhost", String(server.port)] + arguments, timeout: 10)
            #expect(run.status == 0, "oscsend \(arguments): \(run.stderr)")
            let events = Self.take(1, from: inbox)
            #expect(events.map(\.action) == [action], "oscsend \(arguments)")
            #expect(events.first?.receivedSample == Self.played)
            #expect(events.first?.dueSample == delay.map { Self.played + $0 }, "oscsend \(arguments)")
        }
    }

    /// (datagram, the malformed kind it must be reported as).
    static let malformed: [([UInt8], String)] = [
        (OSCEncoding.message("/foo", [A.i(1)]), "unknown address"),
        (OSCEncoding.message("/omnibark/weight/smell", [A.f(1)]), "unknown address"),
        (OSCEncoding.message("/omnibark/say", [A.i(3)]), "wrong type tags"),
        (OSCEncoding.message("/omnibark/say"), "wrong type tags"),
        (OSCEncoding.message("/omnibark/beat", [A.s("soon")]), "wrong type tags"),
        (OSCEncoding.message("/omnibark/sfx", [A.blob([1, 2, 3])]), "wrong type tags"),
        (OSCEncoding.message("/omnibark/style", [A.s("a"), A.s("b")]), "wrong type tags"),
        (OSCEncoding.message("/omnibark/weight/audio", [A.f(.nan)]), "bad value"),
        (OSCEncoding.message("/omnibark/weight/audio", [A.f(-0.5)]), "bad value"),
        (OSCEncoding.message("/omnibark/weight/text", [A.d(1e300)]), "bad value"),
        (OSCEncoding.message("/omnibark/beat", [A.f(-1)]), "bad value"),
        (OSCEncoding.message("/omnibark/beat", [A.f(.infinity)]), "bad value"),
        (OSCEncoding.message("/omnibark/sfx", [A.f(2.5)]), "bad value"),
        (OSCEncoding.message("/omnibark/say", [A.rawString([0xFF, 0xFE, 0x41])]), "bad value"),
        (OSCEncoding.message("/omnibark/say", [A.s(String(repeating: "a", count: 4097))]), "string too long"),
        (Array(OSCEncoding.message("/omnibark/say", [A.s("cut short")]).dropLast(4)), "unparsable packet"),
        (Array(OSCEncoding.message("/omnibark/sfx", [A.i(3)]).dropLast(2)), "unparsable packet"),
        (Array("/omnibark/say\0\0\0,s".utf8), "unparsable packet"),
        ([], "unparsable packet"),
        (OSCEncoding.bundle([[0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4]]), "unparsable packet"),
        (OSCEncoding.padded(Array("#bundle".utf8)) + OSCEncoding.bigEndian(UInt64(1)) + OSCEncoding.bigEndian(Int32(4096)) + [1, 2, 3, 4],
         "unparsable packet"),
        (Array("#bundle\0".utf8), "unparsable packet"),
    ]

    @Test func malformedInputIsCountedReportedOncePerKindAndIgnored() throws {
        let (server, inbox, diagnostics) = try Self.start()
        defer { server.stop() }
        let client = try UDPTestClient(port: server.port)
        for (index, (datagram, kind)) in Self.malformed.enumerated() {
            client.send(datagram)
            #expect(LiveTestWaiting.until { inbox.counters.malformed == index + 1 }, "datagram \(index) (\(kind)) was not counted")
            #expect(diagnostics.lines.contains { $0.hasPrefix("osc: \(kind): ") }, "datagram \(index): no diagnostics for \(kind)")
        }
        let kinds = Set(Self.malformed.map(\.1))
        #expect(diagnostics.lines.count == kinds.count, "\(diagnostics.lines)")
        for kind in kinds {
            #expect(diagnostics.lines.filter { $0.hasPrefix("osc: \(kind): ") }.count == 1)
        }
        #expect(diagnostics.lines.contains { $0.contains("/foo from 127.0.0.1:") && $0.hasSuffix("(further ones are counted, not logged)") })
        #expect(inbox.drain().isEmpty)
        // Still answering.
        client.send(OSCEncoding.message("/omnibark/sfx", [A.i(9)]))
        #expect(Self.take(1, from: inbox).map(\.action) == [.control(.sfxTrigger, .number(9))])
        #expect(inbox.counters == LiveEventCounters(received: 1, malformed: Self.malformed.count))
    }

    @Test func floodOfGarbageIsCountedAndTheServerStillAnswers() throws {
        let (server, inbox, diagnostics) = try Self.start()
        defer { server.stop() }
        let client = try UDPTestClient(port: server.port)
        var generator = SplitMix64(seed: 0x05C)
        let total = 10_000
        for index in 0..<total {
            let length = Int(generator.next() % 200)
            var datagram = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Some look like messages or bundles at first glance (a bundle with a time tag and
            // at least one element's worth of garbage: an empty bundle is valid OSC).
            if index % 3 == 1, !datagram.isEmpty { datagram[0] = UInt8(ascii: "/") }
            if index % 7 == 2 { datagram = Array("#bundle\0".utf8) + (0..<12).map { _ in UInt8(truncatingIfNeeded: generator.next()) } + datagram }
            client.send(datagram)
            // Paced so the kernel never drops a datagram: every one must be counted.
            if index % 200 == 199 {
                #expect(LiveTestWaiting.until(seconds: 10) { inbox.counters.malformed == index + 1 })
            }
        }
        #expect(LiveTestWaiting.until(seconds: 10) { inbox.counters.malformed == total })
        #expect(inbox.counters.received == 0)
        // One line per kind of trouble, not ten thousand.
        #expect(!diagnostics.lines.isEmpty)
        #expect(diagnostics.lines.count <= 4, "\(diagnostics.lines)")
        let kinds = diagnostics.lines.map { $0.split(separator: ":").prefix(2).joined(separator: ":") }
        #expect(Set(kinds).count == kinds.count, "\(kinds)")
        client.send(OSCEncoding.message("/omnibark/say", [A.s("still here")]))
        #expect(Self.take(1, from: inbox).map(\.action) == [.say("still here")])
    }

    @Test func portZeroPicksAFreePortAndABusyPortIsNamed() throws {
        let (first, _, _) = try Self.start()
        defer { first.stop() }
        #expect((1...65535).contains(first.port))
        #expect(first.host == "127.0.0.1")
        do {
            _ = try OSCControlServer(port: first.port, inbox: LiveEventInbox(), playedSamples: { 0 })
            Issue.record("a second server bound the busy port \(first.port)")
        } catch {
            #expect(error == .bindFailed(host: "127.0.0.1", port: first.port, reason: String(cString: strerror(EADDRINUSE))))
            #expect(error.description.contains("127.0.0.1:\(first.port)"))
            #expect(error.description.contains("--osc-port"))
        }
    }

    @Test func invalidPortAndHostAreRefused() {
        for port in [-1, 65_536, 1_000_000] {
            #expect(throws: OSCServerError.invalidPort(port)) {
                try OSCControlServer(port: port, inbox: LiveEventInbox(), playedSamples: { 0 })
            }
        }
        #expect(OSCServerError.invalidPort(70_000).description.contains("70000"))
        for host in ["", "no such host", "300.1.2.3", "example.org"] {
            do {
                _ = try OSCControlServer(port: 0, host: host, inbox: LiveEventInbox(), playedSamples: { 0 })
                Issue.record("host \"\(host)\" was accepted")
            } catch {
                guard case .invalidHost(host, _) = error else {
                    Issue.record("host \"\(host)\": \(error)")
                    continue
                }
                #expect(error.description.contains("\"\(host)\""))
            }
        }
    }

    @Test func stopIsIdempotentAndFreesThePort() throws {
        let (server, _, _) = try Self.start()
        let port = server.port
        server.stop()
        server.stop()
        let again = try OSCControlServer(port: port, inbox: LiveEventInbox(), playedSamples: { 0 })
        #expect(again.port == port)
        again.stop()
    }

    @Test func allInterfacesHostBinds() throws {
        let inbox = LiveEventInbox()
        let server = try OSCControlServer(port: 0, host: "0.0.0.0", inbox: inbox, playedSamples: { 5 })
        defer { server.stop() }
        try UDPTestClient(port: server.port).send(OSCEncoding.message("/omnibark/beat"))
        #expect(Self.take(1, from: inbox).map(\.receivedSample) == [5])
    }
}
