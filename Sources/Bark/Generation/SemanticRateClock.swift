/// The semantic stage's position clock for a speaking rate.
///
/// Bark's semantic GPT finds its place in the text partly by the learned position embedding of each
/// unit: teacher-forced, OmniBark-tiny names 89 % of normal-rate units but 28 % of slow ones, and 44 %
/// once the slow units' positions are rescaled to the normal rate's pace
/// (`training/omnitiny/position_clock.py`). An adapter that adds to the hidden states cannot move that
/// clock; this type does. With stride s (the rate's units per normal-rate unit: about 1.48 slow, 0.69
/// fast), unit k (0-based, after the prefill) takes position
/// `firstUnitPosition + round(k / s)` (halves up), clamped to the model's last position. s = 1 is
/// Bark's clock. The conditioning sets s (`LayerConditioning.rateClockStride`); the training code's
/// `adapter_train.unit_positions` is the same formula.
public struct SemanticRateClock: Sendable, Equatable {
    /// The narrowest and widest stride accepted (a rate 4 times slower or faster than normal).
    public static let strideRange = 0.25...4.0

    /// Units per normal-rate unit, within `strideRange`.
    public let stride: Double
    /// The position of unit 0: the prefill's length (text and history rows plus the infer token).
    public let firstUnitPosition: Int
    /// The model's last position (`blockSize − 1`).
    public let lastPosition: Int

    /// `stride` is clamped to `strideRange` (a non-finite one becomes 1).
    public init(stride: Double, firstUnitPosition: Int, lastPosition: Int) {
        self.stride = stride.isFinite ? min(max(stride, Self.strideRange.lowerBound), Self.strideRange.upperBound) : 1
        self.firstUnitPosition = firstUnitPosition
        self.lastPosition = lastPosition
    }

    /// The position embedding of unit `k` (k ≥ 0).
    public func position(ofUnit k: Int) -> Int {
        let offset = (Double(k) / stride + 0.5).rounded(.down)
        return min(firstUnitPosition + Int(offset), lastPosition)
    }

    /// Positions of a teacher-forced sequence of `rows` rows whose first `firstUnitPosition` rows are
    /// the prefill (positions as they come) and whose rest are units on this clock.
    public func positions(rows: Int) -> [Int] {
        (0..<rows).map { $0 < firstUnitPosition ? $0 : position(ofUnit: $0 - firstUnitPosition) }
    }
}
