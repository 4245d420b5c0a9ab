import ArgumentParser
import Bark
import Foundation

/// `omnibark inspect PATH`: what a model directory or checkpoint holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a Bark model directory or checkpoint file without loading its weights.",
        discussion: """
        PATH is one of:
          • a Hugging Face Bark directory (config.json with model.safetensors or pytorch_model.bin), \
        e.g. a download of suno/bark-small;
          • a directory with Suno's original text.pt, coarse.pt, fine.pt (or text_2.pt … with --large);
          • a single Suno checkpoint such as coarse.pt;
          • a model.safetensors or pytorch_model.bin with its config.json beside it.

        Prints the format, each stage's layers, heads, hidden size, vocabulary sizes, parameter \
        count and dtype, and lists missing, unexpected and mis-shaped tensors. Exits with status 1 \
        when any tensor is missing, mis-shaped or unexpected.

        Example:
          omnibark inspect ~/models/bark-small
        """)

    @Argument(help: "Model directory or checkpoint file.", completion: .file())
    var path: String

    @Flag(help: "In a directory of Suno checkpoints, read the large model's text_2.pt, coarse_2.pt, fine_2.pt.")
    var large = false

    func run() throws {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        let inspection = try CheckpointInspection(url: url, variant: large ? .large : .small)
        print(inspection.report())
        if !inspection.isComplete { throw ExitCode(1) }
    }
}
