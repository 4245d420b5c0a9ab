import Foundation

/// A model repository on a Hugging Face hub, and the URLs the hub serves it under.
///
/// The layout is the one huggingface_hub uses (`constants.HUGGINGFACE_CO_URL_TEMPLATE`,
/// `HfApi.repo_info`, `HfApi.list_repo_tree`):
/// - revision info: `{endpoint}/api/models/{repo_id}/revision/{revision}`
/// - file listing: `{endpoint}/api/models/{repo_id}/tree/{revision}?recursive=true`
/// - file content: `{endpoint}/{repo_id}/resolve/{revision}/{path}`
public struct HubRepository: Sendable, Equatable, CustomStringConvertible {
    /// The hub's base URL, e.g. `https://huggingface.co`.
    public var endpoint: URL
    /// `owner/name`, e.g. `suno/bark-small`.
    public var id: String

    public init(endpoint: URL, id: String) {
        self.endpoint = endpoint
        self.id = id
    }

    public var description: String { id }

    /// The default endpoint, `HF_ENDPOINT` when set (as huggingface_hub reads it), else huggingface.co.
    public static func defaultEndpoint(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let value = environment["HF_ENDPOINT"], !value.isEmpty, let url = URL(string: trimmingSlashes(value)) {
            return url
        }
        return URL(string: "https://huggingface.co") ?? URL(fileURLWithPath: "/")
    }

    /// The revision-info URL, whose JSON `sha` names the commit a branch or tag points at.
    public func revisionInfoURL(revision: String) -> URL {
        url("api/models/\(id)/revision/\(Self.encodeSegment(revision))")
    }

    /// The first page of the recursive file listing at `revision`.
    public func treeURL(revision: String) -> URL {
        url("api/models/\(id)/tree/\(Self.encodeSegment(revision))?recursive=true&expand=false")
    }

    /// Where the content of `path` at `revision` is served (LFS files redirect to a CDN from here).
    public func resolveURL(revision: String, path: String) -> URL {
        url("\(id)/resolve/\(Self.encodeSegment(revision))/\(Self.encodePath(path))")
    }

    private func url(_ relative: String) -> URL {
        let base = Self.trimmingSlashes(endpoint.absoluteString)
        return URL(string: base + "/" + relative) ?? endpoint
    }

    private static func trimmingSlashes(_ text: String) -> String {
        var text = text
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// Percent-encodes one path segment, `/` included (a revision such as `refs/pr/1`).
    static func encodeSegment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Percent-encodes a file path, keeping its `/` separators.
    static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { encodeSegment(String($0)) }.joined(separator: "/")
    }
}
