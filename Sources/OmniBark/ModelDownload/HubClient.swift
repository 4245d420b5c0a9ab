import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to a hub: builds requests with the token and headers huggingface_hub sends, reads JSON
/// API answers (following `Link: <…>; rel="next"` pagination), and maps error answers to
/// `ModelDownloadError` using the hub's `X-Error-Code` header.
public struct HubClient: Sendable {
    public var repository: HubRepository
    /// Sent as `Authorization: Bearer <token>` (to the hub's host only, not to CDN redirects).
    public var token: String?
    public var retry: RetryPolicy
    /// Connect and read (idle) timeouts of each request.
    public var timeouts: NetworkTimeouts

    public init(repository: HubRepository, token: String?, retry: RetryPolicy = RetryPolicy(), timeouts: NetworkTimeouts = .standard) {
        self.repository = repository
        self.token = token
        self.retry = retry
        self.timeouts = timeouts
    }

    /// The token huggingface_hub would use from the environment: `HF_TOKEN`, then the legacy
    /// `HUGGING_FACE_HUB_TOKEN`.
    public static func token(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        for key in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] {
            if let value = environment[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty { return value }
        }
        return nil
    }

    /// A GET request with the standard headers; `Accept-Encoding: identity` so sizes are real sizes.
    func request(_ url: URL, rangeStart: Int64 = 0) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        request.setValue("omnibark/\(OmniBarkVersion.string)", forHTTPHeaderField: "User-Agent")
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if rangeStart > 0 { request.setValue("bytes=\(rangeStart)-", forHTTPHeaderField: "Range") }
        return request
    }

    /// GETs a JSON document (with retries, each reported to `progress`), returning its body and response.
    func getJSON(_ url: URL, revision: String, progress: DownloadProgress) async throws -> (Data, HTTPURLResponse) {
        try await retry.run(url: url, onRetry: { error, attempt, wait in
            progress.retrying(url.absoluteString, attempt: attempt, of: retry.maxAttempts, after: wait, because: error.reason)
        }) {
            let outcome: HTTPTransfer.Outcome
            do {
                outcome = try await HTTPTransfer.perform(request(url), timeouts: timeouts, onResponse: { _ in .collect })
            } catch let failure as NetworkFailure {
                throw ModelDownloadError.transport(url: url, receivedBytes: 0, underlying: failure.description)
            }
            let status = outcome.response.statusCode
            guard (200..<300).contains(status) else {
                throw classify(status: status, response: outcome.response, body: outcome.collectedBody, url: url, revision: revision)
            }
            return (outcome.collectedBody, outcome.response)
        }
    }

    /// Maps an error status to the error a user can act on.
    func classify(status: Int, response: HTTPURLResponse, body: Data, url: URL, revision: String) -> ModelDownloadError {
        let code = response.header("X-Error-Code")
        let message = response.header("X-Error-Message") ?? Self.excerpt(body)
        switch (code, status) {
        case ("RevisionNotFound", _):
            return .revisionNotFound(repo: repository.id, revision: revision, url: url)
        case ("GatedRepo", _):
            return .gatedRepository(repo: repository.id, url: url, status: status)
        case ("RepoNotFound", _):
            return .repositoryNotFound(repo: repository.id, url: url, status: status)
        case ("EntryNotFound", _):
            return .fileNotFound(url: url)
        case (_, 401) where message != "Invalid credentials in Authorization header":
            return .repositoryNotFound(repo: repository.id, url: url, status: status)
        case (_, 403):
            return .gatedRepository(repo: repository.id, url: url, status: status)
        default:
            return .httpStatus(url: url, status: status, message: message)
        }
    }

    /// The first line of a body, for error messages.
    static func excerpt(_ body: Data) -> String? {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text.split(separator: "\n").first.map(String.init)
    }

    /// The URL of the `rel="next"` link in a `Link` header, resolved against `base`.
    static func nextPageURL(linkHeader: String?, base: URL) -> URL? {
        guard let linkHeader else { return nil }
        for part in linkHeader.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = fields.dropFirst().contains { field in
                let compact = field.replacingOccurrences(of: " ", with: "").lowercased()
                return compact == "rel=\"next\"" || compact == "rel=next"
            }
            if isNext { return URL(string: String(target.dropFirst().dropLast()), relativeTo: base)?.absoluteURL }
        }
        return nil
    }
}
