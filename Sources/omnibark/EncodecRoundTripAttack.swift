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

    /// The attack with `codec` (which must work at 24 kHz) at `bandwidth` kbit/s (6 is Bark's 8
    /// codebooks). `codecName` goes into the table's row name.
    ///
    /// - Throws: `EvaluationSetupError.codecRate` naming the codec's rate when it is not 24 kHz,
    ///   `EncodecError.unsupportedBandwidth` when the codec lacks `bandwidth`.
    static func make(codec: EncodecModel, codecName: String, bandwidth: Double = 6) throws -> EvaluationAttack {
        guard codec.configuration.samplingRate == WatermarkLayout.sampleRate else {
            throw EvaluationSetupError.codecRate(codecName, codec.configuration.samplingRate)
        }
        guard codec.configuration.targetBandwidths.contains(bandwidth) else {
            throw EncodecError.unsupportedBandwidth(bandwidth, supported: codec.configuration.targetBandwidths)
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
