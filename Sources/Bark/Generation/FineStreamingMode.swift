/// How the fine stage runs while streaming.
public enum FineStreamingMode: Sendable, Equatable {
    /// The offline windows (1024 frames, hop 512) once the coarse stage has finished: tokens equal
    /// offline generation, but the first audio waits for the whole coarse stage.
    case exact
    /// Windows of `context` finished frames + `chunk` new frames + `lookahead` frames that are
    /// predicted but redone in the next window; `chunk` frames are final after each window. The
    /// first audio needs only `chunk + lookahead` coarse frames. Fine tokens differ from offline
    /// (the model sees a shorter, unpadded window); see the README for measured agreement.
    case chunked(chunk: Int, lookahead: Int, context: Int)

    /// Defaults: 0.43 s chunks with 0.43 s lookahead and 3.4 s context (75 frames per second).
    public static let lowLatency = FineStreamingMode.chunked(chunk: 32, lookahead: 32, context: 256)
}
