import ArgumentParser

/// `omnibark guard`: the content policy on its own.
struct GuardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guard",
        abstract: "Check text against the content policy, or measure the policy's coverage.",
        discussion: """
        speak, live and serve check every text they generate from (the text, live lines, /say \
        bodies, --style, control-event payloads) against the same policy: the default policy, or \
        --policy FILE. A refusal exits with status 3 (HTTP: 422).
        """,
        subcommands: [GuardCheckCommand.self, GuardCoverageCommand.self])
}
