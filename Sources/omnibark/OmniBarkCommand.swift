import ArgumentParser
import Checkpoints
import Foundation
import Guardrails
import OmniBark
import Tensors

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
                      BenchCommand.self, QualityCommand.self, GuardCommand.self,
                      WatermarkCommand.self]
    )

    /// Runs the command; a Foundation or POSIX error that escapes a command is reported as its
    /// reason ("Permission denied") rather than a domain, code or NSError dump. Text refused by
    /// the content policy exits with status 3.
    static func main() async {
        LargeAllocationPolicy.apply()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let refusal as GuardRefusal {
            FileHandle.standardError.write(Data("Error: \(refusal.description)\n".utf8))
            exit(withError: ExitCode(3))
        } catch {
            exit(withError: ErrorMessage.isFoundation(error) ? ReportedError(message: ErrorMessage.describe(error)) : error)
        }
    }
}

/// An error already turned into the message a user sees.
struct ReportedError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
