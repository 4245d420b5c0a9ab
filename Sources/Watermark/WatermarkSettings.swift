/// What an embedder needs: the key and the payload to carry. A value, so it can sit in
/// `SpeechOptions`; each stream makes its own `WatermarkEmbedder` from it.
public struct WatermarkSettings: Sendable, Equatable {
    public var key: WatermarkKey
    public var payload: WatermarkPayload

    public init(key: WatermarkKey, payload: WatermarkPayload) {
        self.key = key
        self.payload = payload
    }

    /// The payload `omnibark` writes: the key's id, `modelID` (0–15) and `session` (0–255).
    public init(key: WatermarkKey, modelID: Int, session: Int) {
        self.init(key: key, payload: WatermarkPayload(keyID: key.id, modelID: modelID, session: session))
    }
}
