import Bark

/// The stretches of semantic units around control events during which `FusionConditioning` runs
/// every fusion layer although the latency router dropped some (`keepingLayers`).
///
/// Why: the shipped OmniBark-tiny adapters place a beat marker's pause and an SFX trigger's knock or
/// drum roll mostly through their upper fusion layers; with only the lowest two running, 32 % of the
/// beats, no knock and 6 % of the rolls land (against 98 %, 86 % and 90 % with all four; phase 16,
/// README, the router section). A control
/// event acts where it is due, so the dropped layers are needed only there: away from every event the
/// router saves their cost as before.
///
/// An event at `t` seconds is at unit `u = ⌊t · unitsPerSecond + 0.5⌋` (as `ControlClockHold`
/// counts). Its window runs from `margin` seconds before the stretch the event acts on to `margin`
/// seconds after it; the stretch is its clock hold (`ControlClockHold`: from `u − lead`, `units`
/// long, queued after an earlier hold it would overlap, as `SemanticRateClock` queues them) when
/// the adapters have one for its kind, else the unit `u` alone.
///
/// Not covered: a live event that joins the utterance after its own window has passed. The clock
/// holds for it from the next unit, but its window lies in the past, so the dropped layers stay
/// off (the engine joins live events `controlLookahead` ahead of their time to avoid exactly that).
public struct ControlEventWindows: Sendable, Equatable {
    /// Seconds of margin on either side of an event's stretch (0.5: 25 units at Bark's 49.9/s).
    public static let defaultMargin = 0.5

    /// Sorted, non-overlapping, closed unit ranges (units ≥ 0).
    public let ranges: [ClosedRange<Int>]

    /// The windows for `events` with the adapters' clock-hold `rules`, at `unitsPerSecond`.
    public init(events: [ControlEvent], rules: [ControlClockHold], unitsPerSecond: Double, margin: Double = defaultMargin) {
        let pad = max(0, Int((margin * unitsPerSecond).rounded()))
        var holds: [SemanticRateClock.Hold] = []
        var stretches: [ClosedRange<Int>] = []
        for event in events {
            if let hold = rules.lazy.compactMap({ $0.hold(for: event, unitsPerSecond: unitsPerSecond) }).first {
                holds.append(hold)
                continue
            }
            guard let unit = ControlClockHold.unit(of: event, unitsPerSecond: unitsPerSecond), unit >= 0 else { continue }
            stretches.append(unit...unit)
        }
        let queued = SemanticRateClock(stride: 1, firstUnitPosition: 0, lastPosition: Int(Int32.max), holds: holds).holds
        stretches += queued.map { $0.firstUnit...($0.firstUnit + max(1, $0.units) - 1) }
        stretches = stretches.map { max(0, $0.lowerBound - pad)...($0.upperBound + pad) }
        var merged: [ClosedRange<Int>] = []
        for range in stretches.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
    }

    /// Whether `unit` lies in a window.
    public func contains(_ unit: Int) -> Bool {
        ranges.contains { $0.contains(unit) }
    }

    /// The share of units `0..<units` that lie in a window (0 when `units` ≤ 0).
    public func share(ofFirst units: Int) -> Double {
        guard units > 0 else { return 0 }
        let covered = ranges.reduce(0) { $0 + max(0, min($1.upperBound, units - 1) - $1.lowerBound + 1) }
        return Double(covered) / Double(units)
    }
}
