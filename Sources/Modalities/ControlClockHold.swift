import Bark
import Foundation

/// Where the semantic stage's rate clock stands still for a kind of control event (adapter format 6,
/// `AdapterConfiguration.clockHolds`, JSON `{"kind": "beat", "units": 29, "lead": 5}`).
///
/// A beat marker asks for a pause and an SFX trigger for an inserted sound: time the sentence's own
/// words do not take. Without a hold the frozen semantic GPT, which finds its place in the text by
/// position, would read the words after the insertion as that much further on. An event at second t
/// stops the clock from unit `floor(t · unitsPerSecond + 0.5) − lead` (at least 0) for `units` units
/// (`SemanticRateClock.Hold`); the training code's `fusion.clock_holds` is the same rule, and the
/// adapters were trained on that clock.
public struct ControlClockHold: Sendable, Equatable, Codable {
    /// The event kind, by any name `ControlEvent.Kind(name:)` accepts (`beat`, `sfx`, …).
    public var kind: String
    /// Units the clock stands still for (the corpus's inserted pause: about 29 at 49.9 units/s).
    public var units: Int
    /// Units before the event's own unit at which the hold starts.
    public var lead: Int

    public init(kind: String, units: Int, lead: Int) {
        self.kind = kind
        self.units = units
        self.lead = lead
    }

    /// The hold for `event` if it is of this kind, else nil.
    public func hold(for event: ControlEvent, unitsPerSecond: Double) -> SemanticRateClock.Hold? {
        guard ControlEvent.Kind(name: kind) == event.kind, let unit = Self.unit(of: event, unitsPerSecond: unitsPerSecond) else { return nil }
        return SemanticRateClock.Hold(firstUnit: unit - lead, units: units)
    }

    /// The semantic unit an event addresses, `⌊t · unitsPerSecond + 0.5⌋` for an event at `t` seconds
    /// (nil when that is not a usable index).
    public static func unit(of event: ControlEvent, unitsPerSecond: Double) -> Int? {
        let unit = (event.seconds() * unitsPerSecond + 0.5).rounded(.down)
        guard unit.isFinite, unit < Double(Int32.max), unit > Double(Int32.min) else { return nil }
        return Int(unit)
    }

    /// Every hold `rules` ask for `events`, sorted.
    public static func holds(_ rules: [ControlClockHold], for events: [ControlEvent],
                             unitsPerSecond: Double) -> [SemanticRateClock.Hold] {
        events.compactMap { event in rules.lazy.compactMap { $0.hold(for: event, unitsPerSecond: unitsPerSecond) }.first }.sorted()
    }
}
