/// Live-event counters shown by `--stats` and `/status`.
///
/// - `received`: events accepted into the inbox;
/// - `applied`: events the generation thread applied;
/// - `dropped`: events refused because the inbox was full, or dropped by the generation thread
///   (`LiveEventInbox.markDropped`);
/// - `malformed`: input that never became an event (bad OSC packet, unknown address, bad JSON …).
public struct LiveEventCounters: Sendable, Equatable, Codable {
    public var received = 0
    public var applied = 0
    public var dropped = 0
    public var malformed = 0

    public init(received: Int = 0, applied: Int = 0, dropped: Int = 0, malformed: Int = 0) {
        self.received = received
        self.applied = applied
        self.dropped = dropped
        self.malformed = malformed
    }
}
