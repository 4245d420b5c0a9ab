import Dispatch

/// One live event, stamped on arrival.
///
/// Timeline: both sample positions count samples at the engine rate (24 kHz,
/// `LiveControlLimits.engineRate`) on the output timeline, i.e. samples the output had played
/// since the stream started.
public struct LiveEvent: Sendable, Equatable {
    public var source: LiveEventSource
    public var action: LiveAction
    /// Output-timeline position when the event arrived (24 kHz samples played since the stream started).
    public var receivedSample: Int64
    /// The output-timeline sample (24 kHz) the event addresses; nil means "now" (apply at the
    /// next generation step).
    public var dueSample: Int64?
    /// `DispatchTime.now().uptimeNanoseconds` at arrival, for `latency_ms` in the event log.
    public var receivedUptimeNanos: UInt64

    public init(source: LiveEventSource, action: LiveAction, receivedSample: Int64, dueSample: Int64? = nil,
                receivedUptimeNanos: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        self.source = source
        self.action = action
        self.receivedSample = receivedSample
        self.dueSample = dueSample
        self.receivedUptimeNanos = receivedUptimeNanos
    }

    /// The due sample for an event `delaySeconds` after `receivedSample` (nil for no delay):
    /// `receivedSample + round(delaySeconds × engineRate)`. `delaySeconds` must be finite and
    /// within 0…`LiveControlLimits.maximumDelaySeconds` (callers validate it first).
    public static func dueSample(receivedSample: Int64, delaySeconds: Double?, engineRate: Int = LiveControlLimits.engineRate) -> Int64? {
        guard let delaySeconds else { return nil }
        return receivedSample + Int64((delaySeconds * Double(engineRate)).rounded())
    }
}
