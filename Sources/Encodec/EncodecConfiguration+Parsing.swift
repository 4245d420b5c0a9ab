import Checkpoints
import Foundation
import Tensors

extension EncodecConfiguration {
    /// Parses Hugging Face `EncodecConfig` fields (a stand-alone `config.json`, or a Bark
    /// checkpoint's `codec_config` from `BarkConfiguration.codec`). Missing or null fields take
    /// transformers' defaults; `codebook_dim` defaults to `hidden_size`.
    ///
    /// - Parameters:
    ///   - fields: the JSON object's members.
    ///   - file: the file they came from, for error messages.
    ///   - fieldPrefix: prepended to field names in errors (e.g. `"codec_config."`).
    /// - Throws: `CheckpointError.invalidConfiguration` naming the field, for a wrong type, an
    ///   invalid value, or a setting this port does not run (time_group_norm, chunking, stereo, …).
    public init(fields: [String: CheckpointValue], file: String, fieldPrefix: String = "") throws {
        let reader = ConfigurationFieldReader(fields: fields, file: file, prefix: fieldPrefix)
        self.init()
        samplingRate = try reader.positiveInt("sampling_rate", default: samplingRate)
        audioChannels = try reader.positiveInt("audio_channels", default: audioChannels)
        numFilters = try reader.positiveInt("num_filters", default: numFilters)
        numResidualLayers = try reader.int("num_residual_layers", default: numResidualLayers, minimum: 0)
        upsamplingRatios = try reader.intArray("upsampling_ratios", default: upsamplingRatios)
        kernelSize = try reader.positiveInt("kernel_size", default: kernelSize)
        lastKernelSize = try reader.positiveInt("last_kernel_size", default: lastKernelSize)
        residualKernelSize = try reader.positiveInt("residual_kernel_size", default: residualKernelSize)
        dilationGrowthRate = try reader.positiveInt("dilation_growth_rate", default: dilationGrowthRate)
        useCausalConv = try reader.bool("use_causal_conv", default: useCausalConv)
        compress = try reader.positiveInt("compress", default: compress)
        numLSTMLayers = try reader.positiveInt("num_lstm_layers", default: numLSTMLayers)
        trimRightRatio = try reader.double("trim_right_ratio", default: trimRightRatio)
        codebookSize = try reader.positiveInt("codebook_size", default: codebookSize)
        hiddenSize = try reader.positiveInt("hidden_size", default: hiddenSize)
        codebookDimension = try reader.positiveInt("codebook_dim", default: hiddenSize)
        targetBandwidths = try reader.doubleArray("target_bandwidths", default: targetBandwidths)
        normalize = try reader.bool("normalize", default: normalize)
        useConvShortcut = try reader.bool("use_conv_shortcut", default: useConvShortcut)

        let padModeName = try reader.string("pad_mode", default: "reflect")
        switch padModeName {
        case "reflect": padMode = .reflect
        case "constant", "zero": padMode = .constant
        case "replicate": padMode = .replicate
        default: throw reader.invalid("pad_mode", "'\(padModeName)' is not supported (use reflect, constant or replicate)")
        }
        let normType = try reader.string("norm_type", default: "weight_norm")
        if normType != "weight_norm" {
            throw reader.invalid("norm_type", "'\(normType)' is not supported; only weight_norm models "
                                 + "(such as facebook/encodec_24khz and Bark's codec) can be loaded")
        }
        if let chunk = fields["chunk_length_s"], chunk != .null {
            throw reader.invalid("chunk_length_s", "chunked encoding (\(chunk)) is not supported; only models "
                                 + "with chunk_length_s null (the 24 kHz model) can be loaded")
        }
        try validate(reader)
    }

    /// Reads a stand-alone `config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.unreadable(file: url.path, reason: ErrorMessage.reason(error))
        }
        guard let fields = try CheckpointValue.parseJSON(data, file: url.path).dictionaryValue else {
            throw CheckpointError.malformed(file: url.path, item: "JSON document", offset: nil, reason: "expected a JSON object")
        }
        try self.init(fields: fields, file: url.path)
    }

    private func validate(_ reader: ConfigurationFieldReader) throws {
        if audioChannels != 1 { throw reader.invalid("audio_channels", "\(audioChannels) channels; only mono (1) is supported") }
        if normalize { throw reader.invalid("normalize", "true is not supported (the 24 kHz model uses false)") }
        if upsamplingRatios.isEmpty || upsamplingRatios.contains(where: { $0 < 1 }) {
            throw reader.invalid("upsampling_ratios", "expected a non-empty list of positive integers, got \(upsamplingRatios)")
        }
        if upsamplingRatios.count > 16 || upsamplingRatios.reduce(1, { $0 * min($1, 1 << 16) }) > 1 << 20 {
            throw reader.invalid("upsampling_ratios", "\(upsamplingRatios) is implausibly large")
        }
        if codebookSize & (codebookSize - 1) != 0 { throw reader.invalid("codebook_size", "\(codebookSize) is not a power of 2") }
        if !(0...1).contains(trimRightRatio) { throw reader.invalid("trim_right_ratio", "\(trimRightRatio) is outside [0, 1]") }
        if !useCausalConv && trimRightRatio != 1 {
            throw reader.invalid("trim_right_ratio", "\(trimRightRatio) != 1.0 only makes sense for causal convolutions")
        }
        if targetBandwidths.isEmpty || targetBandwidths.contains(where: { !($0 > 0) }) {
            throw reader.invalid("target_bandwidths", "expected a non-empty list of positive numbers, got \(targetBandwidths)")
        }
        if numQuantizers < 1 {
            throw reader.invalid("target_bandwidths", "the largest bandwidth \(targetBandwidths.last ?? 0) kbit/s gives no quantizer "
                                 + "at \(frameRate) frames/s × \(codebookBits) bits")
        }
        if codebookDimension != hiddenSize {
            throw reader.invalid("codebook_dim", "\(codebookDimension) differs from hidden_size \(hiddenSize); the quantizer works on the encoder output")
        }
        if numFilters / compress < 1 && numResidualLayers > 0 {
            throw reader.invalid("compress", "\(compress) leaves residual blocks of \(numFilters) channels with no hidden channel")
        }
    }
}
