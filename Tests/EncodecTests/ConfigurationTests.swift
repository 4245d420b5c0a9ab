import Checkpoints
import Encodec
import Foundation
import Testing
import TestSupport

/// `EncodecConfiguration` parsing: defaults, derived values, and errors naming the field.
@Suite struct ConfigurationTests {
    @Test func defaultsAreThe24kHzModel() throws {
        let configuration = try EncodecConfiguration(fields: [:], file: "config.json")
        #expect(configuration == EncodecConfiguration())
        #expect(configuration.hopLength == 320 && configuration.frameRate == 75 && configuration.codebookBits == 10)
        #expect(configuration.numQuantizers == 32)
        #expect(configuration.quantizerCount(forBandwidth: 6) == 8)
        #expect(configuration.quantizerCount(forBandwidth: 1.5) == 2)
        #expect(configuration.quantizerCount(forBandwidth: 24) == 32)
    }

    @Test func legacyFixtureConfiguration() throws {
        let configuration = try EncodecConfiguration(contentsOf: FixturePaths.legacy.appendingPathComponent("config.json"))
        #expect(configuration.samplingRate == 8000 && configuration.upsamplingRatios == [4, 4, 2])
        #expect(configuration.frameRate == 250 && configuration.numQuantizers == 4)
        #expect(configuration.quantizerCount(forBandwidth: 4) == 2)
        #expect(!configuration.useConvShortcut && configuration.numLSTMLayers == 1)
    }

    static let badFields: [(String, CheckpointValue, String)] = [
        ("norm_type", .string("time_group_norm"), "norm_type"),
        ("num_filters", .string("two"), "num_filters"),
        ("num_filters", .int(0), "num_filters"),
        ("codebook_size", .int(1000), "codebook_size"),
        ("chunk_length_s", .double(1.0), "chunk_length_s"),
        ("audio_channels", .int(2), "audio_channels"),
        ("normalize", .bool(true), "normalize"),
        ("pad_mode", .string("circular"), "pad_mode"),
        ("upsampling_ratios", .array([]), "upsampling_ratios"),
        ("target_bandwidths", .array([.double(0.1)]), "target_bandwidths"),
        ("use_causal_conv", .string("yes"), "use_causal_conv"),
        ("codebook_dim", .int(7), "codebook_dim"),
    ]

    @Test(arguments: 0..<badFields.count)
    func badFieldIsNamed(_ index: Int) {
        let (name, value, field) = Self.badFields[index]
        do {
            _ = try EncodecConfiguration(fields: [name: value], file: "x/config.json", fieldPrefix: "codec_config.")
            Issue.record("\(name) = \(value) was accepted")
        } catch let CheckpointError.invalidConfiguration(file, reportedField, reason) {
            #expect(file == "x/config.json")
            #expect(reportedField == "codec_config." + field, "\(reason)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
