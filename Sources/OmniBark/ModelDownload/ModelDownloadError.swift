import Foundation

/// Why fetching a model from a hub failed. Every case names the URL or file involved.
public enum ModelDownloadError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The repository does not exist, or is private and no (valid) `HF_TOKEN` was sent.
    case repositoryNotFound(repo: String, url: URL, status: Int)
    /// The repository exists but the branch, tag or commit does not.
    case revisionNotFound(repo: String, revision: String, url: URL)
    /// The repository is gated: its terms must be accepted on the hub and `HF_TOKEN` set.
    case gatedRepository(repo: String, url: URL, status: Int)
    /// The file listed in the tree is missing at its resolve URL.
    case fileNotFound(url: URL)
    /// Any other HTTP failure, with the hub's `X-Error-Message` or body excerpt when it sent one.
    case httpStatus(url: URL, status: Int, message: String?)
    /// The connection failed or was cut, after `receivedBytes` of the file's bytes were on disk.
    case transport(url: URL, receivedBytes: Int64, underlying: String)
    /// The server sent more or fewer bytes than the listing promised.
    case sizeMismatch(file: String, url: URL, expected: Int64, actual: Int64)
    /// The content does not hash to the listed checksum; the download was deleted.
    case checksumMismatch(file: String, url: URL, expected: ExpectedChecksum, actualHex: String)
    /// The server answered a `Range: bytes=N-` request with a range that does not start at N.
    case unexpectedContentRange(url: URL, requestedOffset: Int64, contentRange: String?)
    /// The listing or revision info was not the JSON the hub sends.
    case malformedResponse(url: URL, reason: String)
    /// The repository lacks a file the model needs.
    case missingRequiredFile(repo: String, revision: String, path: String)
    /// Reading or writing a local file failed.
    case fileSystem(path: String, operation: String, underlying: String)
    /// Some files failed; the others were fetched. Each failure is listed.
    case someFilesFailed([String: String])
    /// A transient failure persisted through every attempt the retry policy allows.
    case gaveUp(url: URL, attempts: Int, elapsed: Duration, reason: String)

    public var description: String {
        switch self {
        case let .repositoryNotFound(repo, url, status):
            return "repository \(repo) not found (HTTP \(status) from \(url.absoluteString)). Check the name and --endpoint; "
                + "if the repository is private, set HF_TOKEN to a token that can read it."
        case let .revisionNotFound(repo, revision, url):
            return "revision '\(revision)' not found in \(repo) (\(url.absoluteString)). Use a branch, tag or commit that exists."
        case let .gatedRepository(repo, url, status):
            return "\(repo) is a gated model (HTTP \(status) from \(url.absoluteString)): accept its terms on the hub, "
                + "then set HF_TOKEN to a token of that account."
        case let .fileNotFound(url):
            return "file not found: \(url.absoluteString) (HTTP 404)"
        case let .httpStatus(url, status, message):
            return "HTTP \(status) from \(url.absoluteString)" + (message.map { ": \($0)" } ?? "")
        case let .transport(url, receivedBytes, underlying):
            return "connection to \(url.absoluteString) failed at byte offset \(receivedBytes): \(underlying)"
        case let .sizeMismatch(file, url, expected, actual):
            return "\(file): expected \(expected) bytes but received \(actual) from \(url.absoluteString); the partial download was deleted"
        case let .checksumMismatch(file, url, expected, actualHex):
            return "\(file): checksum mismatch for \(url.absoluteString): expected \(expected), got \(actualHex); the download was deleted"
        case let .unexpectedContentRange(url, offset, contentRange):
            return "\(url.absoluteString): asked for bytes from offset \(offset) but the server sent Content-Range '\(contentRange ?? "none")'"
        case let .malformedResponse(url, reason):
            return "unexpected response from \(url.absoluteString): \(reason)"
        case let .missingRequiredFile(repo, revision, path):
            return "\(repo) at revision \(revision) has no \(path), which the model needs"
        case let .fileSystem(path, operation, underlying):
            return "could not \(operation) \(path): \(underlying)"
        case let .someFilesFailed(failures):
            let lines = failures.keys.sorted().map { "  \($0): \(failures[$0] ?? "")" }
            return "\(failures.count) file(s) could not be fetched:\n" + lines.joined(separator: "\n")
        case let .gaveUp(url, attempts, elapsed, reason):
            return "gave up on \(url.absoluteString) after \(attempts) attempt\(attempts == 1 ? "" : "s") over \(TimeoutText.seconds(elapsed)): \(reason)"
        }
    }

    /// What went wrong, without the URL (for retry lines that already name it).
    public var reason: String {
        switch self {
        case let .transport(_, receivedBytes, underlying):
            return receivedBytes > 0 ? "\(underlying) (at byte offset \(receivedBytes))" : underlying
        case let .httpStatus(_, status, message):
            return "HTTP \(status)" + (message.map { ": \($0)" } ?? "")
        default:
            return description
        }
    }

    public var errorDescription: String? { description }

    /// Whether trying again may succeed: server errors, rate limits and cut connections.
    var isTransient: Bool {
        switch self {
        case .transport: return true
        case let .httpStatus(_, status, _): return status >= 500 || status == 408 || status == 429
        default: return false
        }
    }
}
