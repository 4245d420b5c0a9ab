import ArgumentParser
import Foundation
import OmniBark

extension HubModel: ExpressibleByArgument {}

/// `omnibark models pull bark-small|bark`: fetch a model's files from a Hugging Face hub.
struct ModelsPullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download suno/bark-small or suno/bark from a Hugging Face hub.",
        discussion: """
        Fetches config.json, generation_config.json, the weights (model.safetensors when the \
        repository has it, else pytorch_model.bin), the tokenizer files, speaker_embeddings_path.json \
        and everything under speaker_embeddings/ — exactly as published, ready for `omnibark inspect`.

        Every file is checked against the size and checksum in the hub's listing (SHA-256 for LFS \
        files, the git blob id for small ones) before it gets its final name; until then it is \
        written to a hidden .<name>.incomplete file beside it. An interrupted pull resumes where it \
        stopped when run again, and files already complete are verified and skipped.

        Network limits: each request must connect within --connect-timeout seconds (default 10; \
        name lookup included) and fails after --read-timeout seconds without data (default 30). \
        Transient failures (unreachable or silent host, HTTP 5xx, dropped connections) are retried \
        up to --attempts times in all (default 5), waiting 1, 2, 4, 8 … s (at most 16 s) between \
        attempts; each retry is printed with its attempt number, reason and wait. A request that \
        never gets an answer is therefore given up on, with a message naming its URL, after at most \
        attempts × (connect + read timeout) + waits: \(Self.worstCaseText) with the defaults. \
        With a proxy configured (http_proxy, https_proxy, all_proxy) the connect timeout is not \
        checked separately and the read timeout bounds connecting.

        Environment:
          HF_TOKEN       token sent as "Authorization: Bearer" (private or gated repositories)
          HF_ENDPOINT    hub to use when --endpoint is not given (default https://huggingface.co)
          OMNIBARK_HOME  models go to $OMNIBARK_HOME/models/<name> when --to is not given

        Progress goes to stderr, redrawn in place on a terminal, one line per file start and end otherwise.

        Examples:
          omnibark models pull bark-small
          omnibark models pull bark --to ~/models/bark --include-suno-checkpoints
          omnibark models pull bark-small --revision refs/pr/1 --endpoint https://hf-mirror.example
        """)

    /// "5 × 40 s + 15 s = 215 s": the defaults' bound on a request that never gets an answer.
    private static var worstCaseText: String {
        let policy = RetryPolicy(), timeouts = NetworkTimeouts.standard
        return "\(policy.maxAttempts) × \(Int(timeouts.perAttempt)) s + \(policy.totalDelay.components.seconds) s "
            + "= \(policy.worstCase(timeouts).components.seconds) s"
    }

    @Argument(help: "The model: bark-small (suno/bark-small) or bark (suno/bark).")
    var model: HubModel

    @Option(name: .customLong("to"), help: "Destination directory (default: the models directory, see above).",
            completion: .directory)
    var destination: String?

    @Option(help: "Hub base URL (default: $HF_ENDPOINT or https://huggingface.co).")
    var endpoint: String?

    @Option(help: "Branch, tag or commit to fetch.")
    var revision = "main"

    @Flag(help: "Also fetch Suno's original text*.pt, coarse*.pt and fine*.pt checkpoints.")
    var includeSunoCheckpoints = false

    @Flag(help: "Fetch pytorch_model.bin even when model.safetensors is available.")
    var allWeights = false

    @Option(help: "Files downloaded at the same time.")
    var jobs = 2

    @Option(help: ArgumentHelp("Seconds allowed to resolve the host and connect, per request.", valueName: "seconds"))
    var connectTimeout: Double = NetworkTimeouts.standard.connect

    @Option(help: ArgumentHelp("Seconds a request may go without receiving data before it fails.", valueName: "seconds"))
    var readTimeout: Double = NetworkTimeouts.standard.read

    @Option(help: "Tries per request, the first included, before giving up on a transient failure.")
    var attempts = RetryPolicy().maxAttempts

    func validate() throws {
        if let endpoint, URL(string: endpoint)?.scheme == nil {
            throw ValidationError("--endpoint must be a URL such as https://huggingface.co, got '\(endpoint)'")
        }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if !(connectTimeout > 0 && connectTimeout <= 86_400) {
            throw ValidationError("--connect-timeout must be a number of seconds above 0 and at most 86400, got \(connectTimeout)")
        }
        if !(readTimeout > 0 && readTimeout <= 86_400) {
            throw ValidationError("--read-timeout must be a number of seconds above 0 and at most 86400, got \(readTimeout)")
        }
        if attempts < 1 { throw ValidationError("--attempts must be at least 1, got \(attempts)") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let hub = endpoint.flatMap { URL(string: $0) } ?? HubRepository.defaultEndpoint(environment: environment)
        let directory = destination.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) }
            ?? ModelLocations.defaultDirectory(for: model.rawValue, environment: environment)
        let options = ModelPullOptions(
            repository: HubRepository(endpoint: hub, id: model.repositoryID),
            revision: revision,
            destination: directory,
            token: HubClient.token(environment: environment),
            selection: ModelFileSelection(includeSunoCheckpoints: includeSunoCheckpoints, allWeights: allWeights),
            concurrentFiles: jobs,
            retry: RetryPolicy(maxAttempts: attempts),
            timeouts: NetworkTimeouts(connect: connectTimeout, read: readTimeout))
        let progress = DownloadProgress()
        do {
            let summary = try await ModelPuller.pull(options, progress: progress)
            progress.note("\(model.repositoryID): \(summary.downloaded.count) downloaded, "
                + "\(summary.alreadyPresent.count) already complete, in \(directory.path)")
            print(directory.path)
        } catch let error as ModelDownloadError {
            progress.note("error: \(error.description)")
            throw ExitCode(1)
        }
    }
}
