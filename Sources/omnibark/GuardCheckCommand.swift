import ArgumentParser
import Foundation
import OmniBark

/// `omnibark guard check TEXT`: the verdict as JSON; exit status 3 when refused.
struct GuardCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Print the policy's verdict on a text as JSON (exit status 0: allowed, 3: refused).",
        discussion: """
        The verdict: {"allowed": bool, "category": name|null, "action": "refuse|bleep|log"|null, \
        "position": {"byte", "bytes", "character", "characters"}|null, "matches": [...], "text": the \
        bleeped text (when something was bleeped)}. Positions are in the text as given.

        Example:
          omnibark guard check --policy my-policy.json "some text"
        """)

    @OptionGroup var policyOptions: PolicyOptions

    @Argument(help: "The text to check (otherwise standard input).")
    var text: String?

    func run() throws {
        let input = try text ?? UTF8Text.read(path: "-")
        let verdict = try policyOptions.guardrail().check(input)
        let data = try JSONSerialization.data(withJSONObject: verdict.jsonObject, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        if !verdict.allowed { throw ExitCode(3) }
    }
}
