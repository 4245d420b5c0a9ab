import Testing
@testable import Modalities

/// Where the fusion layers the router dropped run again: around each control event's stretch (its
/// clock hold when the adapters have one for its kind, else its own unit), with the margin on both
/// sides, clipped at unit 0 and merged where windows touch.
@Suite struct ControlEventWindowsTests {
    static let rules = [ControlClockHold(kind: "sfx", units: 41, lead: 5), ControlClockHold(kind: "beat", units: 29, lead: 5)]

    @Test func anEventWithAHoldCoversTheHoldAndTheMargins() {
        // 1.0 s · 49.9 + 0.5 → unit 50; the hold is units 45...85; 0.5 s of margin is 25 units.
        let windows = ControlEventWindows(events: [ControlEvent(time: .seconds(1.0), kind: .sfxTrigger)], rules: Self.rules,
                                          unitsPerSecond: 49.9)
        #expect(windows.ranges == [20...110])
        #expect(!windows.contains(19) && windows.contains(20) && windows.contains(110) && !windows.contains(111))
    }

    @Test func anEventWithoutAHoldCoversItsOwnUnitAndTheMargins() {
        let windows = ControlEventWindows(events: [ControlEvent(time: .seconds(2.0), kind: .phonemeHint)], rules: Self.rules,
                                          unitsPerSecond: 49.9, margin: 0.2)
        #expect(windows.ranges == [90...110])  // unit 100 ± 10
        #expect(ControlEventWindows(events: [ControlEvent(time: .seconds(2.0), kind: .phonemeHint)], rules: [],
                                    unitsPerSecond: 49.9, margin: 0).ranges == [100...100])
    }

    @Test func windowsAreClippedAtTheStartAndMergedWhereTheyMeet() {
        let events = [ControlEvent(time: .seconds(0.1), kind: .beatMarker), ControlEvent(time: .seconds(1.2), kind: .beatMarker),
                      ControlEvent(time: .seconds(4.0), kind: .sfxTrigger)]
        let windows = ControlEventWindows(events: events, rules: Self.rules, unitsPerSecond: 49.9)
        // Beat at unit 5: 0...5-5+28+25 = 53; beat at unit 60: 30...108 (merged with the first);
        // SFX at unit 200: 170...260.
        #expect(windows.ranges == [0...108, 170...260])
        #expect(abs(windows.share(ofFirst: 300) - Double(109 + 91) / 300) < 1e-12)
        #expect(abs(windows.share(ofFirst: 50) - 1) < 1e-12)
        #expect(windows.share(ofFirst: 0) == 0)
        #expect(ControlEventWindows(events: [], rules: Self.rules, unitsPerSecond: 49.9).ranges.isEmpty)
    }

    /// Holds that would overlap queue as the semantic clock queues them, and the window follows the
    /// queued hold: a knock at 1.0 s holds units 45...85, a beat at 1.2 s (its own hold from unit 55)
    /// then holds 86...114, so its window ends 25 units later, at 139.
    @Test func windowsFollowQueuedHolds() {
        let events = [ControlEvent(time: .seconds(1.0), kind: .sfxTrigger), ControlEvent(time: .seconds(1.2), kind: .beatMarker)]
        let windows = ControlEventWindows(events: events, rules: Self.rules, unitsPerSecond: 49.9)
        #expect(windows.ranges == [20...139])
    }
}
