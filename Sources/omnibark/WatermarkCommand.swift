import ArgumentParser

/// `omnibark watermark …`: detect the mark, mark a file, measure robustness.
struct WatermarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watermark",
        abstract: "Detect OmniBark's audio watermark, mark a file, or measure the mark's robustness.",
        discussion: """
        speak, live and serve mark everything they output with the key in --watermark-key \
        (default: $OMNIBARK_HOME/watermark.key, else ~/.config/omnibark/watermark.key, created with \
        mode 0600 on first use). The same key detects the mark.

        Examples:
          omnibark watermark detect out.wav recording.ogg
          omnibark watermark detect --json out.wav
          omnibark watermark eval
        """,
        subcommands: [WatermarkDetectCommand.self, WatermarkEmbedCommand.self, WatermarkEvalCommand.self]
    )
}
