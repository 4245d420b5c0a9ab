import CFuzzDriver
import Foundation

/// Hands control to libFuzzer, which calls this target's `LLVMFuzzerTestOneInput` for each input.
@main enum Driver {
    static func main() {
        exit(omnibark_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv))
    }
}
