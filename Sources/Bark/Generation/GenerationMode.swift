/// How the stages trade exactness for speed.
///
/// - `exact`: Bark's own windows (transformers' `BarkModel.generate`): each coarse window re-reads
///   its whole 887-token context, the fine stage runs 1024-frame windows with hop 512. Streaming
///   produces the same tokens as offline generation.
/// - `live`: the named shortcuts of `LiveGenerationSettings` (coarse KV cache continued across
///   windows, fine windows with bounded overlap). Tokens differ from `exact`; `omnibark quality
///   --mode live` measures by how much.
public enum GenerationMode: String, Sendable, CaseIterable, Codable {
    case exact, live
}
