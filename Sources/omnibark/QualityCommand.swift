import ArgumentParser
import Foundation
import OmniBark
import Tensors

/// `omnibark quality`: how far each weight format is from float32.
struct QualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Report how far the bf16, int8 and q4 weight formats are from float32 on a model.",
        discussion: """
        For each format: max and mean relative logit error of each stage on fixed probes, greedy token \
        agreement per stage (each stage fed float32's upstream tokens) over a fixed prompt set, and the \
        SNR of the final audio against float32's. Without --model, random weights of --shape are used \
        (agreement on random weights says little about real ones).

        Examples:
          omnibark quality --model ~/.cache/omnibark/models/bark-small
          omnibark quality --shape bark-small --formats int8 --max-semantic-tokens 20
        """)

    @Option(help: ArgumentHelp("Model directory (default: random weights of --shape).", valueName: "dir"))
    var model: String?

    @Option(help: "Shape for random weights: bark-small or bark.")
    var shape: BarkShapeArgument = .barkSmall

    @Option(help: "Formats to compare with f32, comma-separated.")
    var formats = "bf16,int8,q4"

    @Option(name: .customLong("max-semantic-tokens"), help: "Semantic tokens per prompt in the generation comparison.")
    var maxSemanticTokens = 40

    func run() throws {
        let chosen = try formats.split(separator: ",").map { name -> WeightFormat in
            guard let format = WeightFormat(rawValue: String(name)), format != .f32 else {
                throw ValidationError("unknown format '\(name)' in --formats (use bf16, int8, q4)")
            }
            return format
        }
        func load(_ format: WeightFormat) throws -> SpeechModel {
            if let model { return try SpeechModel(directory: URL(fileURLWithPath: (model as NSString).expandingTildeInPath), weightFormat: format) }
            return try SpeechModel.synthetic(shape: shape.shape, weightFormat: format)
        }
        let reference = try load(.f32)
        let prompts = ["Hello, my dog is cute.", "The quick brown fox jumps over the lazy dog.", "This is a test of the engine."]
        print("model \(model ?? shape.rawValue), \(KernelPath.active.rawValue) kernels, \(prompts.count) prompts, ≤ \(maxSemanticTokens) semantic tokens each")
        print("format  logit err max/mean: semantic       coarse          fine            agreement: semantic coarse fine   waveform SNR")
        for format in chosen {
            let q = try WeightFormatQuality.measure(reference: reference, candidate: try load(format), prompts: prompts,
                                                    maxSemanticTokens: maxSemanticTokens)
            func e(_ l: WeightFormatQuality.LogitError) -> String { String(format: "%.1e/%.1e", l.maxRelative, l.meanRelative) }
            print(String(format: "%-6@  %@  %@  %@   %6.1f%% %6.1f%% %6.1f%%   %6.1f dB", format.rawValue, e(q.semanticLogits),
                         e(q.coarseLogits), e(q.fineLogits), q.semanticAgreement * 100, q.coarseAgreement * 100,
                         q.fineAgreement * 100, q.waveformSNR))
        }
    }
}
