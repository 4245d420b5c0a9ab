extension EnginePreset {
    /// The OSC control listener (JSON `osc`).
    public struct OSC: Sendable, Equatable {
        /// UDP port 1…65535, or 0 for no OSC listener (JSON `port`).
        public var port: Int
        /// The address to listen on (JSON `host`, e.g. "127.0.0.1"; "0.0.0.0" for every interface).
        public var host: String

        public init(port: Int, host: String) {
            self.port = port
            self.host = host
        }

        /// Whether an OSC listener is asked for (`port` is not 0).
        public var isEnabled: Bool { port != 0 }
    }
}
