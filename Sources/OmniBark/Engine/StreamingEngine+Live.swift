import Bark
import Modalities

extension StreamingEngine {
    /// Live events due at this step (placeholder until the LiveControl inbox is wired).
    func applyLiveEvents(_ context: inout UtteranceContext, semanticRate: Double) -> ConditioningUpdate { .keep }
    func applyIdleEvents() {}
    func liveReferenceAudio() -> [Float]? { nil }
}
