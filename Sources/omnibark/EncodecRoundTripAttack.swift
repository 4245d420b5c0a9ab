import Encodec
import Foundation
import OmniBark
import Watermark

/// The EnCodec round trip of the watermark evaluation: encode, quantize to `bandwidth` kbit/s and
/// decode with our own codec (`Encodec` target), as a Bark pipeline would re-encode audio.
enum EncodecRoundTripAttack {
    /// Pieces the signal is coded in (samples, 4 s at 24 kHz): the evaluation's excerpt windows
    /// are 4 s long (3 s plus 0.5 s each side), so no excerpt straddles two pieces, and one
    /// piece's activations stay small whatever the codec's width.
    static let pieceLength = 96_000

    /// Bark's bandwidth (8 codebooks of EnCodec 24 kHz), kbit/s.
    static let barkBandwidth = 6.0

    /// The attack with `codec` (which must work at 24 kHz) at `bandwidth` kbit/s. Without one it
    /// uses 6 kbit/s (Bark's 8 codebooks) when the codec has it, else the codec's highest bandwidth
    /// (OmniBark-tiny's codec has only 2.7). `codecName` and the bandwidth go into the row name.
    ///
    /// - Throws: `EvaluationSetupError.codecRate` naming the codec's rate when it is not 24 kHz,
    ///   `EncodecError.unsupportedBandwidth` when the codec lacks an explicitly given `bandwidth`.
    static func make(codec: EncodecModel, codecName: String, bandwidth requested: Double? = nil) throws -> EvaluationAttack {
        guard codec.configuration.samplingRate == WatermarkLayout.sampleRate else {
            throw EvaluationSetupError.codecRate(codecName, codec.configuration.samplingRate)
        }
        let supported = codec.configuration.targetBandwidths
        let bandwidth = requested ?? (supported.contains(barkBandwidth) ? barkBandwidth : supported.max() ?? barkBandwidth)
        guard supported.contains(bandwidth) else {
            throw EncodecError.unsupportedBandwidth(bandwidth, supported: supported)
        }
        let name = String(format: "EnCodec 24 kHz %g kbit/s (%@)", bandwidth, codecName)
        return EvaluationAttack(name: name, summary: "our EnCodec: encode, quantize, decode, in 4 s pieces") { samples in
            var output: [Float] = []
            output.reserveCapacity(samples.count)
            var start = 0
            while start < samples.count {
                let end = min(samples.count, start + pieceLength)
                let decoded = try codec.decode(codes: codec.encode(audio: Array(samples[start..<end]), bandwidth: bandwidth))
                // The decoder returns whole 320-sample frames: drop the padding of the last one.
                output += decoded.prefix(end - start)
                start = end
            }
            return (output, WatermarkLayout.sampleRate)
        }
    }
}
