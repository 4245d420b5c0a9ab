import Bark

/// The audio and tokens of one `speak` call.
public struct SpeechResult: Sendable {
    /// Mono samples in [-1, 1] (not clipped) at `sampleRate`.
    public let audio: [Float]
    public let sampleRate: Int
    /// One generation per long-form segment, in order.
    public let segments: [BarkGeneration]
    public let timings: GenerationTimings

    /// Seconds of audio.
    public var duration: Double { Double(audio.count) / Double(sampleRate) }

    /// All segments' tokens concatenated, as one voice preset (`--save-preset`): reusing it as a
    /// voice continues this speaker.
    public func fullGeneration() -> BarkGeneration {
        BarkGeneration(semantic: segments.flatMap(\.semantic), coarse: segments.flatMap(\.coarse),
                       fine: (0..<(segments.first?.fine.count ?? 0)).map { row in segments.flatMap { $0.fine[row] } })
    }
}
