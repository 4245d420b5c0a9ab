/// The semantic stage's position clock for a speaking rate.
///
/// Bark's semantic GPT finds its place in the text partly by the learned position embedding of each
/// unit: teacher-forced, OmniBark-tiny names 89 % of normal-rate units but 28 % of slow ones, and 44 %
/// once the slow units' positions are rescaled to the normal rate's pace
/// (`training/omnitiny/position_clock.py`). An adapter that adds to the hidden states cannot move that
/// clock; this type does. With stride s (the rate's units per normal-rate unit: about 1.48 slow, 0.69
/// fast), unit k (0-based, after the prefill) takes position
/// `firstUnitPosition + round(k' / s)` (halves up), clamped to the model's last position, where k' is k
/// less the units spent in `holds` before it: during a hold (an inserted pause or sound that the
/// sentence's own timing does not have) the clock stands still, so the words after it keep their place.
/// Holds queue: one asked to start while another runs starts when that one ends, as a second inserted
/// sound follows the first.
/// s = 1 without holds is Bark's clock. The conditioning sets s and the holds
/// (`LayerConditioning.rateClockStride`, `rateClockHolds`); the training code's
/// `adapter_train.unit_positions` is the same formula.
public struct SemanticRateClock: Sendable, Equatable {
    /// A stretch of units during which the clock stands still.
    public struct Hold: Sendable, Equatable, Comparable {
        /// The first unit (0-based, after the prefill) that does not advance the clock.
        public let firstUnit: Int
        /// How many units, from `firstUnit` on, do not advance it.
        public let units: Int

        /// `firstUnit` and `units` are clamped to ≥ 0.
        public init(firstUnit: Int, units: Int) {
            self.firstUnit = max(0, firstUnit)
            self.units = max(0, units)
        }

        public static func < (a: Hold, b: Hold) -> Bool { (a.firstUnit, a.units) < (b.firstUnit, b.units) }
    }

    /// The narrowest and widest stride accepted (a rate 4 times slower or faster than normal).
    public static let strideRange = 0.25...4.0

    /// Units per normal-rate unit, within `strideRange`.
    public let stride: Double
    /// The position of unit 0: the prefill's length (text and history rows plus the infer token).
    public let firstUnitPosition: Int
    /// The model's last position (`blockSize − 1`).
    public let lastPosition: Int
    /// Where the clock stands still: sorted, queued so that none overlaps the one before it.
    public private(set) var holds: [Hold]

    /// `stride` is clamped to `strideRange` (a non-finite one becomes 1).
    public init(stride: Double, firstUnitPosition: Int, lastPosition: Int, holds: [Hold] = []) {
        self.stride = stride.isFinite ? min(max(stride, Self.strideRange.lowerBound), Self.strideRange.upperBound) : 1
        self.firstUnitPosition = firstUnitPosition
        self.lastPosition = lastPosition
        self.holds = Self.queued(holds)
    }

    /// `holds` sorted, each starting no earlier than the one before it ends.
    static func queued(_ holds: [Hold]) -> [Hold] {
        var out: [Hold] = []
        for hold in holds.sorted() {
            let free = out.last.map { $0.firstUnit + $0.units } ?? 0
            out.append(Hold(firstUnit: max(hold.firstUnit, free), units: hold.units))
        }
        return out
    }

    /// Adds holds asked for once units up to `unit − 1` have taken their positions (a live control
    /// event): a hold that would start before `unit` starts at `unit`, so no position already in a
    /// KV cache changes (holds that start later may be queued after it).
    public mutating func addHolds(_ added: [Hold], startingNoEarlierThan unit: Int) {
        holds = Self.queued(holds + added.map { Hold(firstUnit: max($0.firstUnit, unit), units: $0.units) })
    }

    /// The position embedding of unit `k` (k ≥ 0).
    public func position(ofUnit k: Int) -> Int {
        var ticks = k
        for hold in holds { ticks -= min(max(k - hold.firstUnit, 0), hold.units) }
        let offset = (Double(ticks) / stride + 0.5).rounded(.down)
        return min(firstUnitPosition + Int(offset), lastPosition)
    }

    /// Positions of a teacher-forced sequence of `rows` rows whose first `firstUnitPosition` rows are
    /// the prefill (positions as they come) and whose rest are units on this clock.
    public func positions(rows: Int) -> [Int] {
        (0..<rows).map { $0 < firstUnitPosition ? $0 : position(ofUnit: $0 - firstUnitPosition) }
    }
}
