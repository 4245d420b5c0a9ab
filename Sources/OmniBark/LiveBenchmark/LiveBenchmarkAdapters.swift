import Foundation
import Modalities

/// Adapters with random weights for a model's shapes (fusion after three layers spread from a
/// quarter of the depth on: 3, 7 and 11 of bark-small's 12), so that benchmark control events and live
/// reference audio go through the real fusion path (adapters, memory, cross-attention in every
/// fusion layer). Speed does not depend on the weight values; the gates are non-zero so the
/// fusion output is used.
enum LiveBenchmarkAdapters {
    /// Writes the adapter file into `directory` (an existing folder) and loads it.
    static func make(for speech: SpeechModel, in directory: URL, seed: UInt64 = 11, gate: Float = 0.5) throws -> OmniAdapters {
        let semantic = speech.generator.models.semantic.configuration
        var configuration = AdapterConfiguration(hiddenSize: semantic.hiddenSize, heads: semantic.heads,
                                                 fusionLayers: stride(from: semantic.layers / 4, to: semantic.layers, by: max(1, semantic.layers / 3)).map { $0 })
        configuration.audioInputSize = speech.codec.configuration.hiddenSize
        let url = directory.appendingPathComponent("bench-adapters.safetensors")
        try AdapterCheckpoint.write(AdapterCheckpoint.initialTensors(configuration, seed: seed, gate: gate),
                                    configuration: configuration, to: url)
        return try AdapterCheckpoint.load(contentsOf: url)
    }
}
