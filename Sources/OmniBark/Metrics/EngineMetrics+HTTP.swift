import NetworkStreaming

extension EngineMetrics {
    /// The Prometheus text exposition's content type.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `GET /metrics`'s response: 200 with `exposition()`. Any thread (an HTTP event loop).
    public func httpResponse() -> HTTPResponseValue {
        HTTPResponseValue(status: 200, contentType: Self.contentType, body: Array(exposition().utf8))
    }
}
