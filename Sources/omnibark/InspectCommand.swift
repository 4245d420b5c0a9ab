import ArgumentParser
import Bark
import Foundation
import OmniBark

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
        count and dtype, and lists missing, unexpected and mis-shaped tensors. For a Hugging Face \
        directory it also checks what `omnibark speak` needs at load: the codec configuration and \
        weights (the only weights it reads), vocab.txt, and valid tokenizer_config.json and \
        generation_config.json when present. Exits with status 1 when any tensor is missing, \
        mis-shaped or unexpected, or when speak would refuse the directory, listing each problem. \
        A missing generation_config.json is a warning on stderr (status 0): the built-in defaults \
        it names are used instead.

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
        guard inspection.layout == .huggingFace else {
            print("note: Suno's original checkpoints carry no codec or tokenizer; `omnibark speak` needs a Hugging Face Bark directory.")
            if !inspection.isComplete { throw ExitCode(1) }
            return
        }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let readiness = ModelReadiness(directory: isDirectory.boolValue ? url : url.deletingLastPathComponent())
        for warning in readiness.warnings { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        print("")
        if readiness.isUsable {
            print("Ready to speak: the codec, tokenizer and generation settings load.")
        } else {
            print("Not usable for speech; `omnibark speak` would refuse it:")
            for problem in readiness.problems { print("  \(problem)") }
        }
        if !inspection.isComplete || !readiness.isUsable { throw ExitCode(1) }
    }
}
