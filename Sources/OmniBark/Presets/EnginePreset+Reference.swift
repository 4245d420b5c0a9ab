extension EnginePreset {
    /// When the live reference conditioning is recomputed (JSON `reference.refresh`).
    public enum ReferenceRefresh: String, Sendable, CaseIterable {
        /// Once per utterance, before it starts.
        case utterance
        /// Before every generated chunk, so that the reference follows the live input closely.
        case chunk
    }

    /// The live reference audio kept for conditioning (JSON `reference`).
    public struct Reference: Sendable, Equatable {
        /// Seconds of the most recent live input kept as the reference, finite and ≥ 0
        /// (JSON `window_s`).
        public var window: Double
        /// When the reference is recomputed (JSON `refresh`).
        public var refresh: ReferenceRefresh

        public init(window: Double, refresh: ReferenceRefresh) {
            self.window = window
            self.refresh = refresh
        }
    }
}
