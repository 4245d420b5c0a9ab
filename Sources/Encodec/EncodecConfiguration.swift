import Foundation
import Tensors

/// The settings of an EnCodec model, as Hugging Face `EncodecConfig` names them
/// (port of `transformers/models/encodec/configuration_encodec.py`).
///
/// Defaults are those of `facebook/encodec_24khz`. Only what this port runs is accepted:
/// `norm_type` `weight_norm`, mono audio, no chunking (`chunk_length_s` null), `normalize` false;
/// parsing rejects anything else with an error naming the field.
public struct EncodecConfiguration: Sendable, Equatable {
    /// Hz.
    public var samplingRate = 24_000
    /// Input/output channels (1: mono).
    public var audioChannels = 1
    /// Channels after the first encoder convolution.
    public var numFilters = 32
    /// Residual blocks per resolution.
    public var numResidualLayers = 1
    /// Decoder upsampling ratios (the encoder uses them reversed as strides).
    public var upsamplingRatios = [8, 5, 4, 2]
    public var kernelSize = 7
    public var lastKernelSize = 7
    public var residualKernelSize = 3
    public var dilationGrowthRate = 2
    public var useCausalConv = true
    public var padMode: TimePadding.Mode = .reflect
    /// Channel reduction inside residual blocks.
    public var compress = 2
    public var numLSTMLayers = 2
    public var trimRightRatio = 1.0
    public var codebookSize = 1024
    /// Codebook vector size; `hidden_size` when the config leaves it null.
    public var codebookDimension = 128
    /// Encoder output channels (`hidden_size`).
    public var hiddenSize = 128
    /// kbit/s; the last one fixes the number of quantizers.
    public var targetBandwidths = [1.5, 3.0, 6.0, 12.0, 24.0]
    public var normalize = false
    public var useConvShortcut = true

    public init() {}

    /// Samples per codec frame: the product of the ratios (320 for the 24 kHz model).
    public var hopLength: Int { upsamplingRatios.reduce(1, *) }
    /// Frames per second, `ceil(samplingRate / hopLength)` (75).
    public var frameRate: Int { (samplingRate + hopLength - 1) / hopLength }
    /// `ceil(log2(codebookSize))` (10).
    public var codebookBits: Int {
        var bits = 0
        while (1 << bits) < codebookSize { bits += 1 }
        return bits
    }
    /// Number of RVQ layers: `⌊1000 · targetBandwidths.last / (frameRate · codebookBits)⌋` (32).
    public var numQuantizers: Int {
        let bandwidth = targetBandwidths.last ?? 0
        return Int((1000 * bandwidth / Double(frameRate * codebookBits)).rounded(.down))
    }

    /// Quantizers used at `bandwidth` kbit/s, as `get_num_quantizers_for_bandwidth`:
    /// `max(1, ⌊bandwidth·1000 / (log2(codebookSize)·frameRate)⌋)`, capped at `numQuantizers`.
    public func quantizerCount(forBandwidth bandwidth: Double) -> Int {
        guard bandwidth > 0 else { return numQuantizers }
        let perQuantizer = log2(Double(codebookSize)) * Double(frameRate)
        return min(numQuantizers, max(1, Int((bandwidth * 1000 / perQuantizer).rounded(.down))))
    }
}
