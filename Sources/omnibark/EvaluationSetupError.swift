/// A codec that cannot serve the evaluation.
enum EvaluationSetupError: Error, CustomStringConvertible {
    /// The codec (named) works at this rate (Hz), not 24 kHz.
    case codecRate(String, Int)

    var description: String {
        switch self {
        case .codecRate(let name, let rate): "the EnCodec of \(name) works at \(rate) Hz; the evaluation needs a 24 kHz codec"
        }
    }
}
