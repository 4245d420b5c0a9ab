import Foundation
import Modalities
import Tensors

/// The session inputs of an all-modalities benchmark run: every utterance is conditioned on a
/// style instruction, 5 s of reference audio, an image and a beat per second.
enum LiveBenchmarkModalities {
    static func apply(to configuration: inout EngineConfiguration, model: OmniModel) throws {
        configuration.styleInstruction = "[calm]"
        configuration.referenceAudio = (0..<(5 * ModalityBundle.sampleRate)).map { Float(sin(Double($0) * 0.0576)) * 0.3 }
        let size = model.vision?.configuration.imageSize ?? 224
        configuration.image = Tensor(shape: [3, size, size], scalars: (0..<(3 * size * size)).map { Float(sin(Double($0) * 0.001)) })
        configuration.controlEvents = (0..<5).map { ControlEvent(time: .seconds(Double($0)), kind: .beatMarker) }
        // Text and control events matter most, the image least (it is the first the router skips).
        var routing = configuration.routing
        routing.text.priority = 3
        routing.control.priority = 2
        routing.audio.priority = 1
        routing.image.priority = 0
        configuration.routing = routing
    }
}
