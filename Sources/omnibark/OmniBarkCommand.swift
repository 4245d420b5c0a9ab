import ArgumentParser
import OmniBark

/// The `omnibark` command-line tool.
@main
struct OmniBarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omnibark",
        abstract: "A streaming Bark text-to-audio engine.",
        discussion: """
        Models are read exactly as published on Hugging Face (suno/bark-small, suno/bark): a directory \
        with config.json and model.safetensors or pytorch_model.bin, or Suno's original text.pt, \
        coarse.pt and fine.pt files.
        """,
        version: OmniBarkVersion.string,
        subcommands: [SpeakCommand.self, LiveCommand.self, ServeCommand.self, InspectCommand.self, ModelsCommand.self,
                      BenchCommand.self, QualityCommand.self]
    )
}
