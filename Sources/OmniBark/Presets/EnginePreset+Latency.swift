extension EnginePreset {
    /// Latency targets, all in seconds (finite, ≥ 0).
    public struct Latency: Sendable, Equatable {
        /// The time from a text's arrival to its first audible sample that the engine aims for
        /// (JSON `latency.target_first_audio_s`).
        public var targetFirstAudio: Double
        /// How far the output may fall behind its schedule before the engine catches up
        /// (JSON `latency.max_lag_s`).
        public var maxLag: Double
        /// Audio generated ahead of the playhead before playback starts (JSON `latency.min_lead_s`):
        /// a larger lead rides out slow chunks at the cost of a later start.
        public var minLead: Double

        public init(targetFirstAudio: Double, maxLag: Double, minLead: Double) {
            self.targetFirstAudio = targetFirstAudio
            self.maxLag = maxLag
            self.minLead = minLead
        }
    }
}
