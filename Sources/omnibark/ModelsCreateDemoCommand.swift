import ArgumentParser
import Foundation
import OmniBark

/// `omnibark models create-demo`: a random-weight model for trying the pipeline without a download.
struct ModelsCreateDemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-demo",
        abstract: "Write a tiny random-weight Bark model in the real Hugging Face layout.",
        discussion: """
        The demo model has Bark's vocabularies, constants and EnCodec structure but tiny random \
        weights, so `omnibark speak --model DIR` runs every stage in seconds. Its output is noise, \
        not speech. Default location: the models folder (see `omnibark models --help`) under the \
        name `demo`.

        A directory that already holds files is refused, so an existing model is never overwritten \
        by accident; pass --force to write the demo model's files there anyway.

        Example:
          omnibark models create-demo --to ./demo && omnibark speak --model ./demo "Hi" --out demo.wav
        """)

    @Option(help: ArgumentHelp("Where to write the model.", valueName: "dir"))
    var to: String?

    @Option(help: "Seed for the random weights.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Write the transformers and codec at a published model's size (bark-small or bark) instead of the tiny demo size; random weights all the same.", valueName: "shape"))
    var shape: String?

    @Flag(help: "Write into a directory that already holds files, replacing the demo model's files there.")
    var force = false

    func run() throws {
        let directory = to.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) }
            ?? ModelLocations.defaultDirectory(for: "demo")
        let barkShape = try shape.map { name in
            guard let value = BarkShape(rawValue: name) else {
                throw ValidationError("unknown --shape '\(name)': use \(BarkShape.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            return value
        }
        try DemoModel.create(at: directory, seed: seed, overwrite: force, shape: barkShape)
        print("wrote the demo model to \(directory.path)")
        FileHandle.standardError.write(Data((DemoModel.warning + "\n").utf8))
    }
}
