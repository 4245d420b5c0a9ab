import ArgumentParser
import Foundation
import Guardrails
import OmniBark

/// `--policy FILE`, shared by every command that takes text.
struct PolicyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Guard policy (JSON; see README \"Guardrails\"). Default: the policy that ships with OmniBark; "
        + "a file with {\"categories\": []} checks nothing.", valueName: "file"))
    var policy: String?

    /// The policy's guardrail (the default policy without --policy).
    func guardrail() throws -> Guardrail {
        try Guardrail(policyFile: policy.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) })
    }

    /// A screen that logs to standard error.
    func screen() throws -> ContentScreen {
        ContentScreen(guardrail: try guardrail(), log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }
}
