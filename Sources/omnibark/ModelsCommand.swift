import ArgumentParser

/// `omnibark models …`: fetch and locate model files.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Download Bark models from Hugging Face, or make a random-weight demo model.",
        discussion: """
        Models are stored under $OMNIBARK_HOME/models/<name> when OMNIBARK_HOME is set, otherwise \
        under ~/.cache/omnibark/models/<name>.

        Example:
          omnibark models pull bark-small
        """,
        subcommands: [ModelsPullCommand.self, ModelsCreateDemoCommand.self]
    )
}
