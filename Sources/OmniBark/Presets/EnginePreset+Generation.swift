import Bark
import Tensors

extension EnginePreset {
    /// How text becomes tokens (JSON `generation`).
    public struct Generation: Sendable, Equatable {
        /// The fine stage while streaming (JSON `fine_mode`): `"low-latency"` is
        /// `FineStreamingMode.lowLatency`, `"exact"` is `.exact`, and
        /// `{"chunk": n, "lookahead": n, "context": n}` (frames, 75 per second; chunk 1…1024,
        /// lookahead and context 0…1024) is `.chunked`.
        public var fineMode: FineStreamingMode
        /// The weight format of the transformers' linear layers (JSON `weights`: "f32", "bf16",
        /// "int8" or "q4", as `--weights` takes them).
        public var weights: WeightFormat
        /// JSON `mode`: see `GenerationMode`.
        public var mode: GenerationMode
        /// JSON `fine_codebooks` (optional, 2…8): in live mode, predict and decode only this many
        /// codebooks (`LiveGenerationSettings.fineCodebooks`); absent: all.
        public var fineCodebooks: Int?
        /// JSON `fast_start` (optional, default false): in live mode, the fast-start shortcut
        /// (`LiveGenerationSettings.fastStart`, `--fast-start`).
        public var fastStart: Bool
        /// JSON `kv_cache` (optional, "f32" or "f16", default f32): how the semantic and coarse
        /// GPTs cache keys and values (`KVCachePrecision`, `--kv-cache`).
        public var kvCache: KVCachePrecision

        public init(fineMode: FineStreamingMode, weights: WeightFormat, mode: GenerationMode, fineCodebooks: Int? = nil,
                    fastStart: Bool = false, kvCache: KVCachePrecision = .f32) {
            self.fineMode = fineMode
            self.weights = weights
            self.mode = mode
            self.fineCodebooks = fineCodebooks
            self.fastStart = fastStart
            self.kvCache = kvCache
        }
    }

    /// The generation mode (JSON `generation.mode`).
    public enum GenerationMode: String, Sendable, CaseIterable {
        /// Sampling as `speak` does it (`Bark.GenerationMode.exact`).
        case exact
        /// The real-time shortcuts (`Bark.GenerationMode.live`, `LiveGenerationSettings`): the
        /// coarse KV cache continued across windows, and the live fine windows in place of
        /// `fine_mode` (`--chunk`, `--lookahead`, `--context` still apply).
        case live
    }
}
